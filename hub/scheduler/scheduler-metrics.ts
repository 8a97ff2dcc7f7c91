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

const NO_QUEUE: QueueCounts = { active: 0, backoff: 0, unschedulable: 0, inFlight: 0 };

/** One set per registry: a hub that leads again starts a new scheduler on the same metrics. */
const byRegistry = new WeakMap<Metrics, SchedulerMetrics>();

/** The registry's scheduler metrics, registered on first use; the queue is the running scheduler's. */
export function schedulerMetricsFor(
  m: Metrics,
  profile: string,
  counts: () => QueueCounts,
): SchedulerMetrics {
  let sm = byRegistry.get(m);
  if (!sm) {
    sm = new SchedulerMetrics(m, profile);
    byRegistry.set(m, sm);
  }
  sm.counts = counts;
  return sm;
}

export class SchedulerMetrics {
  private readonly attempts;
  private readonly attemptDuration;
  private readonly e2e;
  /** The pending queue's sizes; zeros while no scheduler runs (a standby hub). */
  counts: () => QueueCounts = () => NO_QUEUE;

  constructor(
    m: Metrics,
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
      const c = this.counts();
      return [
        { labels: { queue: 'active' }, value: c.active },
        { labels: { queue: 'backoff' }, value: c.backoff },
        { labels: { queue: 'unschedulable' }, value: c.unschedulable },
      ];
    });
  }

  /** The scheduler stopped (this hub stepped down): nothing pending here. */
  detachQueue(): void {
    this.counts = () => NO_QUEUE;
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
