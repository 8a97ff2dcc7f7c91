// SqliteStore options: defaults (with units) and validation in one place.

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
  /** Most writes committed together under one fsync (group commit). Default 1000 writes. */
  groupCommitMaxWrites?: number;
  /** SQLite's page cache for the store's connection, in KiB. Default 4096 KiB (4 MiB). */
  cacheSizeKiB?: number;
}

export interface ResolvedSqliteStoreOptions {
  log: Logger;
  compactKeepRevisions: number;
  compactIntervalMs: number;
  compactKeepBytes: number;
  busyTimeoutMs: number;
  groupCommitMaxWrites: number;
  cacheSizeKiB: number;
}

export const DEFAULT_COMPACT_KEEP_REVISIONS = 10_000; // revisions
export const DEFAULT_COMPACT_INTERVAL_MS = 60_000; // ms
export const DEFAULT_COMPACT_KEEP_BYTES = 64 * 1024 * 1024; // bytes of values (64 MiB)
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000; // ms
export const DEFAULT_GROUP_COMMIT_MAX_WRITES = 1_000; // writes
// KiB. better-sqlite3 builds SQLite with a 16 MiB page cache, full at a few thousand boards and
// all of it resident in the hub; every read a controller makes comes from the informers, so the
// store's pages are touched by writes (a B-tree path each) and start-up lists. A miss is a pread
// from the kernel's page cache (issue #21: hub RSS at fleet scale).
export const DEFAULT_CACHE_SIZE_KIB = 4_096;

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
    cacheSizeKiB: positiveInt('cacheSizeKiB', opts.cacheSizeKiB, DEFAULT_CACHE_SIZE_KIB),
  };
}
