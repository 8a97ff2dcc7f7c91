// Work queue metrics under client-go's names (workqueue_depth, workqueue_adds_total,
// workqueue_retries_total, workqueue_queue_duration_seconds, workqueue_work_duration_seconds,
// label `name` = the controller). As client-go's workqueue.SetProvider, the provider is set
// once per process by whoever owns the metrics registry (the hub); queues made before that,
// or in processes without one (unit tests), count nothing.

import type { Metrics } from '../metrics.js';

export interface QueueMetrics {
  /** key became queued (not a duplicate of a queued key). */
  added(key: string): void;
  /** key was taken by a worker; depth is the queue's length after. */
  taken(key: string, depth: number): void;
  /** key's worker finished. */
  finished(key: string): void;
  retried(): void;
  depth(n: number): void;
}

const NOOP: QueueMetrics = {
  added: () => {},
  taken: () => {},
  finished: () => {},
  retried: () => {},
  depth: () => {},
};

type Provider = (name: string) => QueueMetrics;
let provider: Provider | undefined;

/** Buckets, seconds: client-go's workqueue buckets (1 µs .. 10 s, factor 10). */
const BUCKETS_SECONDS = [1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10];

/** Registers the workqueue metrics in m; queues created from now on report there. */
export function setQueueMetricsRegistry(m: Metrics): void {
  const depth = m.gauge('workqueue_depth', 'Current depth of workqueue, by controller name.');
  const adds = m.counter('workqueue_adds_total', 'Total number of adds handled by workqueue.');
  const retries = m.counter('workqueue_retries_total', 'Total number of retries handled by workqueue.');
  const waited = m.histogram(
    'workqueue_queue_duration_seconds',
    'How long in seconds an item stays in workqueue before being requested.',
    BUCKETS_SECONDS,
  );
  const worked = m.histogram(
    'workqueue_work_duration_seconds',
    'How long in seconds processing an item from workqueue takes.',
    BUCKETS_SECONDS,
  );
  provider = (name) => {
    const labels = { name };
    const addedAt = new Map<string, number>();
    const startedAt = new Map<string, number>();
    depth.set(0, labels);
    return {
      added(key) {
        adds.inc(labels);
        if (!addedAt.has(key)) addedAt.set(key, performance.now());
      },
      taken(key, n) {
        const now = performance.now();
        const t = addedAt.get(key);
        if (t !== undefined) waited.observe((now - t) / 1000, labels);
        addedAt.delete(key);
        startedAt.set(key, now);
        depth.set(n, labels);
      },
      finished(key) {
        const t = startedAt.get(key);
        if (t !== undefined) worked.observe((performance.now() - t) / 1000, labels);
        startedAt.delete(key);
      },
      retried: () => retries.inc(labels),
      depth: (n) => depth.set(n, labels),
    };
  };
}

export function queueMetrics(name: string | undefined): QueueMetrics {
  return name && provider ? provider(name) : NOOP;
}
