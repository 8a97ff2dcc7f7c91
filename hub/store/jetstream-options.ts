// JetStreamStore options: defaults (with units) and validation in one place.

import { createLogger, type Logger } from '../../shared/log.js';
import { InvalidStoreOptionError } from './errors.js';

export interface JetStreamStoreOptions {
  /** NATS server URLs (nats://host:port); any one reachable server of the cluster is enough. */
  servers: string[];
  /** KV bucket holding the store (stream KV_<bucket>). Default 'drover'. */
  bucket?: string;
  /** JetStream replicas of the bucket when it is created: 1, 3 or 5. Default 1. */
  replicas?: number;
  /** Values kept per key in the stream (KV history), 1..64. Default 1 (history lives in the watch window). */
  history?: number;
  /** Events a hub keeps for resuming watches, in revisions behind the head. Default 10000 revisions. */
  compactKeepRevisions?: number;
  /** How often tombstones older than the watch window are purged, ms. Default 60000 ms; 0 = never. */
  compactIntervalMs?: number;
  /** Deadline of one request to NATS (a write, a head read) and of connecting, ms. Default 5000 ms. */
  requestTimeoutMs?: number;
  /** How long open() keeps retrying while the cluster does not answer (no leader yet), ms. Default 30000 ms. */
  openTimeoutMs?: number;
  /** Connection name shown by the server (monitoring). Default 'drover-store'. */
  name?: string;
  /**
   * How often the client pings the server, ms; after maxPingOut unanswered pings the link
   * counts as lost. NATS' own default (2 min x 2) would leave a silently partitioned hub
   * holding its boards for 4 minutes. Default 3000 ms.
   */
  pingIntervalMs?: number;
  /** Unanswered pings before the connection is dropped and retried. Default 3 pings. */
  maxPingOut?: number;
  log?: Logger;
}

export interface ResolvedJetStreamStoreOptions {
  servers: string[];
  bucket: string;
  replicas: number;
  history: number;
  compactKeepRevisions: number;
  compactIntervalMs: number;
  requestTimeoutMs: number;
  openTimeoutMs: number;
  name: string;
  pingIntervalMs: number;
  maxPingOut: number;
  log: Logger;
}

export const DEFAULT_BUCKET = 'drover';
export const DEFAULT_REPLICAS = 1; // servers
export const DEFAULT_HISTORY = 1; // values per key
export const MAX_HISTORY = 64; // values per key (the NATS KV limit)
export const DEFAULT_JS_COMPACT_KEEP_REVISIONS = 10_000; // revisions
export const DEFAULT_JS_COMPACT_INTERVAL_MS = 60_000; // ms
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000; // ms
export const DEFAULT_OPEN_TIMEOUT_MS = 30_000; // ms
export const DEFAULT_PING_INTERVAL_MS = 3_000; // ms
export const DEFAULT_MAX_PING_OUT = 3; // pings
const BUCKET_NAME = /^[A-Za-z0-9_-]+$/;
const NATS_URL = /^(nats|tls):\/\/[^\s/]+$/;

function int(option: string, value: number | undefined, dflt: number, min: number, max: number): number {
  if (value === undefined) return dflt;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidStoreOptionError(option, value, `must be an integer in [${min}, ${max}]`);
  }
  return value;
}

export function resolveJetStreamStoreOptions(opts: JetStreamStoreOptions): ResolvedJetStreamStoreOptions {
  if (!Array.isArray(opts.servers) || opts.servers.length === 0) {
    throw new InvalidStoreOptionError('servers', opts.servers, 'name at least one nats://host:port');
  }
  for (const s of opts.servers) {
    if (!NATS_URL.test(s)) throw new InvalidStoreOptionError('servers', s, 'must look like nats://host:port');
  }
  const bucket = opts.bucket ?? DEFAULT_BUCKET;
  if (!BUCKET_NAME.test(bucket)) {
    throw new InvalidStoreOptionError('bucket', bucket, 'letters, digits, - and _ only');
  }
  const replicas = int('replicas', opts.replicas, DEFAULT_REPLICAS, 1, 5);
  if (replicas % 2 === 0) throw new InvalidStoreOptionError('replicas', replicas, 'must be 1, 3 or 5');
  return {
    servers: opts.servers,
    bucket,
    replicas,
    history: int('history', opts.history, DEFAULT_HISTORY, 1, MAX_HISTORY),
    compactKeepRevisions: int(
      'compactKeepRevisions',
      opts.compactKeepRevisions,
      DEFAULT_JS_COMPACT_KEEP_REVISIONS,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    compactIntervalMs: int(
      'compactIntervalMs',
      opts.compactIntervalMs,
      DEFAULT_JS_COMPACT_INTERVAL_MS,
      0,
      Number.MAX_SAFE_INTEGER,
    ),
    requestTimeoutMs: int('requestTimeoutMs', opts.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS, 1, 600_000),
    openTimeoutMs: int('openTimeoutMs', opts.openTimeoutMs, DEFAULT_OPEN_TIMEOUT_MS, 0, 3_600_000),
    name: opts.name ?? 'drover-store',
    pingIntervalMs: int('pingIntervalMs', opts.pingIntervalMs, DEFAULT_PING_INTERVAL_MS, 100, 600_000),
    maxPingOut: int('maxPingOut', opts.maxPingOut, DEFAULT_MAX_PING_OUT, 1, 100),
    log: opts.log ?? createLogger('store'),
  };
}
