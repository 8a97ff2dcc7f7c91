// The SQLite store's group commits as gauges: commits (one transaction and one fsync each) and
// the writes they carried since start. Writes per commit is the group size; a path that
// commits its writes one by one shows as a ratio near 1 (bench/fleet-pods.ts reports both per
// pod).

import type { Metrics } from '../metrics.js';
import type { SqliteStore } from './sqlite.js';

export function registerStoreMetrics(m: Metrics, store: SqliteStore): void {
  m.gauge('drover_store_commits', 'SQLite group commits (one fsync each) since start.', () => store.commits);
  m.gauge(
    'drover_store_writes',
    'Writes (create, update, delete) carried by the SQLite group commits since start.',
    () => store.writesCommitted,
  );
}
