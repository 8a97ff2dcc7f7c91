// kube-scheduler's metrics under their upstream names: scheduler_schedule_attempts_total
// {result, profile}, scheduler_scheduling_attempt_duration_seconds {result, profile} (one
// scheduling cycle), scheduler_pod_scheduling_duration_seconds {attempts} (first queued ->
// bound, over every attempt) and scheduler_pending_pods {queue}.

import type { Metrics } from '../metrics.js';
import type { QueueCounts } from './queue.js';

/** kube-scheduler's buckets: exponential from 10 ms (e2e) and 1 ms (one attempt), doubling. */
const E2E_BUCKETS = Array.from({ length: 20 }, (_, i) => 0.01 * 2 ** i);
const ATTEMPT_BUCKETS = Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i);
/** Upstream caps the attempts label at 15 so its cardinality stays bounded. */
const MAX_ATTEMPTS_LABEL = 15;

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

export class SchedulerMetrics {
  private readonly attempts;
  private readonly attemptDuration;
  private readonly e2e;

  constructor(
    m: Metrics,
    counts: () => QueueCounts,
    private readonly profile: string,
  ) {
    this.attempts = m.counter(
      'scheduler_schedule_attempts_total',
      'Number of attempts to schedule pods, by the result.',
    );
    this.attemptDuration = m.histogram(
      'scheduler_scheduling_attempt_duration_seconds',
      'Scheduling attempt latency in seconds (scheduling algorithm + binding).',
      ATTEMPT_BUCKETS,
    );
    this.e2e = m.histogram(
      'scheduler_pod_scheduling_duration_seconds',
      'E2e latency for a pod being scheduled, from the time the pod enters the scheduling queue, which may include multiple scheduling attempts.',
      E2E_BUCKETS,
    );
    m.gauge('scheduler_pending_pods', 'Number of pending pods, by the queue type.', () => {
      const c = counts();
      return [
        { labels: { queue: 'active' }, value: c.active },
        { labels: { queue: 'backoff' }, value: c.backoff },
        { labels: { queue: 'unschedulable' }, value: c.unschedulable },
      ];
    });
  }

  /** One attempt ended; seconds is its duration. */
  attempt(result: AttemptResult, seconds: number): void {
    const labels = { result, profile: this.profile };
    this.attempts.inc(labels);
    this.attemptDuration.observe(seconds, labels);
  }

  /** A pod was bound: queuedAtMs is when it first entered the queue. */
  podScheduled(queuedAtMs: number, attempts: number): void {
    this.e2e.observe((Date.now() - queuedAtMs) / 1000, {
      attempts: String(Math.min(attempts, MAX_ATTEMPTS_LABEL)),
    });
  }
}
