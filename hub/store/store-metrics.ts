// The SQLite store's group commits as gauges: commits (one transaction each), the writes they
// carried, and the WAL syncs (fdatasync; one may cover several commits) since start. Writes per
// commit is the group size; a path that commits its writes one by one shows as a ratio near 1
// (bench/fleet-pods.ts reports commits and writes per pod).

import type { Metrics } from '../metrics.js';
import type { SqliteStore } from './sqlite.js';

export function registerStoreMetrics(m: Metrics, store: SqliteStore): void {
  m.gauge(
    'drover_store_commits',
    'SQLite group commits (one transaction each) since start.',
    () => store.commits,
  );
  m.gauge(
    'drover_store_syncs',
    'fdatasyncs of the SQLite WAL since start (each makes the commits before it durable).',
    () => store.syncs,
  );
  m.gauge(
    'drover_store_writes',
    'Writes (create, update, delete) carried by the SQLite group commits since start.',
    () => store.writesCommitted,
  );
}
