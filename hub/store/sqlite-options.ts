// SqliteStore options: defaults (with units) and validation in one place.

import { fdatasync } from 'node:fs';
import { promisify } from 'node:util';
import { createLogger, type Logger } from '../../shared/log.js';
import { InvalidStoreOptionError } from './errors.js';

export interface SqliteStoreOptions {
  log?: Logger;
  /** Auto-compaction keeps this many revisions of history. Default 10000 revisions. */
  compactKeepRevisions?: number;
  /** How often auto-compaction runs, in milliseconds. Default 60000 ms; 0 turns it off. */
  compactIntervalMs?: number;
  /** Auto-compaction also keeps at most this many bytes of values written since the compacted revision. Default 64 MiB. */
  compactKeepBytes?: number;
  /** How long a write waits for a lock held by another connection, in milliseconds. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** Most writes committed together in one transaction (group commit). Default 1000 writes. */
  groupCommitMaxWrites?: number;
  /**
   * Makes the WAL durable after commits (given the store's own fd on the -wal file). Default
   * fdatasync on libuv's thread pool, off the event loop. Tests inject one to hold or fail it.
   */
  walSync?: (fd: number) => Promise<void>;
  /** Most WAL syncs in flight at once (a commit made during one starts another). Default 2. */
  walSyncsInFlight?: number;
}

export interface ResolvedSqliteStoreOptions {
  log: Logger;
  compactKeepRevisions: number;
  compactIntervalMs: number;
  compactKeepBytes: number;
  busyTimeoutMs: number;
  groupCommitMaxWrites: number;
  walSync: (fd: number) => Promise<void>;
  walSyncsInFlight: number;
}

export const DEFAULT_COMPACT_KEEP_REVISIONS = 10_000; // revisions
export const DEFAULT_COMPACT_INTERVAL_MS = 60_000; // ms
export const DEFAULT_COMPACT_KEEP_BYTES = 64 * 1024 * 1024; // bytes of values (64 MiB)
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000; // ms
export const DEFAULT_GROUP_COMMIT_MAX_WRITES = 1_000; // writes
/** fdatasync on the thread pool: the event loop parses requests while the disk syncs. */
export const DEFAULT_WAL_SYNCS_IN_FLIGHT = 2; // syncs
export const DEFAULT_WAL_SYNC: (fd: number) => Promise<void> = promisify(fdatasync);

function nonNegativeInt(option: string, value: number | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidStoreOptionError(option, value, 'must be a non-negative integer');
  }
  return value;
}

function positiveInt(option: string, value: number | undefined, dflt: number): number {
  const v = nonNegativeInt(option, value, dflt);
  if (v === 0) throw new InvalidStoreOptionError(option, value, 'must be a positive integer');
  return v;
}

export function resolveSqliteStoreOptions(opts: SqliteStoreOptions = {}): ResolvedSqliteStoreOptions {
  return {
    log: opts.log ?? createLogger('store'),
    compactKeepRevisions: nonNegativeInt(
      'compactKeepRevisions',
      opts.compactKeepRevisions,
      DEFAULT_COMPACT_KEEP_REVISIONS,
    ),
    compactIntervalMs: nonNegativeInt(
      'compactIntervalMs',
      opts.compactIntervalMs,
      DEFAULT_COMPACT_INTERVAL_MS,
    ),
    compactKeepBytes: nonNegativeInt('compactKeepBytes', opts.compactKeepBytes, DEFAULT_COMPACT_KEEP_BYTES),
    busyTimeoutMs: nonNegativeInt('busyTimeoutMs', opts.busyTimeoutMs, DEFAULT_BUSY_TIMEOUT_MS),
    groupCommitMaxWrites: positiveInt(
      'groupCommitMaxWrites',
      opts.groupCommitMaxWrites,
      DEFAULT_GROUP_COMMIT_MAX_WRITES,
    ),
    walSync: opts.walSync ?? DEFAULT_WAL_SYNC,
    walSyncsInFlight: positiveInt('walSyncsInFlight', opts.walSyncsInFlight, DEFAULT_WAL_SYNCS_IN_FLIGHT),
  };
}
