// Pod manager options: defaults (with units) and validation in one place.
import { networkInterfaces } from 'node:os';
import type { PodStatus } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';
import type { AgentEvent } from '../../shared/protocol/messages.js';
import type { Runtime } from '../runtime/runtime.js';
import { DEFAULT_PAUSE_BINARY, DEFAULT_PAUSE_IMAGE } from '../runtime/defaults.js';
import { type BackoffConfig, DEFAULT_CRASH_BACKOFF, DEFAULT_IMAGE_BACKOFF } from './backoff.js';
import { PodManagerOptionsError } from './errors.js';

/** How often the node's containers are listed again in case the runtime's event stream missed
 * something, ms (one list call; kubelet's evented PLEG relists every 300 s). */
export const DEFAULT_RESYNC_INTERVAL_MS = 60_000;
/** First retry of a runtime that does not answer, ms (doubling from here). */
export const DEFAULT_RUNTIME_RETRY_MIN_MS = 2_000;
/** Longest wait between retries while the runtime does not answer, ms. */
export const DEFAULT_RUNTIME_RETRY_MAX_MS = 60_000;
/** Retry of a pod whose config or volumes could not be set up, ms. */
export const DEFAULT_RETRY_INTERVAL_MS = 10_000;
/** The same event (pod, reason, message) is not sent again within this window, ms. */
export const DEFAULT_EVENT_DEDUPE_MS = 10_000;
/** A pull in progress says how far it is in one event per this interval at most, ms. */
export const DEFAULT_PULL_PROGRESS_EVENT_MS = 5_000;
/** Grace for containers of a pod the node knows nothing about, s (Kubernetes' default grace). */
export const DEFAULT_GHOST_GRACE_SECONDS = 30;

export interface PodManagerOptions {
  runtime: Runtime;
  nodeName: string;
  /** Pod directories live in <dataDir>/pods/<uid>/, the cache in <dataDir>/pods-cache.json. */
  dataDir: string;
  log: Logger;
  report: (ns: string, name: string, uid: string, status: PodStatus) => void;
  event: (ev: Omit<AgentEvent, 'v'>) => void;
  /** The runtime went away (false) or came back (true). */
  runtimeChanged?: (up: boolean) => void;
  /** ms since epoch. */
  clock?: () => number;
  /** status.hostIP; default the first non-internal IPv4 address. */
  hostIP?: string;
  /** The cluster DNS pods ask (agent/dns/pod-dns.ts); unset: pods keep the board's resolv.conf. */
  dns?: { nameserver: string; domain: string };
  crashBackoff?: Partial<BackoffConfig>;
  imageBackoff?: Partial<BackoffConfig>;
  resyncIntervalMs?: number;
  runtimeRetryMinMs?: number;
  runtimeRetryMaxMs?: number;
  retryIntervalMs?: number;
  eventDedupeMs?: number;
  ghostGraceSeconds?: number;
  pullProgressEventMs?: number;
  /** The pod sandbox's image; made from pauseBinary when the runtime does not have it. */
  pauseImage?: string;
  /** A static binary that can `sleep` (busybox-static), the pause image's only file. */
  pauseBinary?: string;
}

export interface ResolvedOptions
  extends Required<Omit<PodManagerOptions, 'hostIP' | 'dns' | 'crashBackoff' | 'imageBackoff'>> {
  hostIP: string | undefined;
  dns: PodManagerOptions['dns'];
  crashBackoff: BackoffConfig;
  imageBackoff: BackoffConfig;
}

function firstIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

function backoff(name: string, base: BackoffConfig, o: Partial<BackoffConfig> | undefined): BackoffConfig {
  const b = { ...base, ...o };
  if (!(b.initialMs > 0) || !(b.maxMs >= b.initialMs) || !(b.resetAfterRunMs > 0)) {
    throw new PodManagerOptionsError(`${name}: need initialMs > 0, maxMs >= initialMs, resetAfterRunMs > 0`);
  }
  return b;
}

export function resolveOptions(o: PodManagerOptions): ResolvedOptions {
  if (!o.nodeName) throw new PodManagerOptionsError('nodeName is required');
  if (!o.dataDir) throw new PodManagerOptionsError('dataDir is required');
  const r: ResolvedOptions = {
    ...o,
    runtimeChanged: o.runtimeChanged ?? (() => {}),
    clock: o.clock ?? Date.now,
    hostIP: o.hostIP ?? firstIPv4(),
    dns: o.dns,
    crashBackoff: backoff('crashBackoff', DEFAULT_CRASH_BACKOFF, o.crashBackoff),
    imageBackoff: backoff('imageBackoff', DEFAULT_IMAGE_BACKOFF, o.imageBackoff),
    resyncIntervalMs: o.resyncIntervalMs ?? DEFAULT_RESYNC_INTERVAL_MS,
    runtimeRetryMinMs: o.runtimeRetryMinMs ?? DEFAULT_RUNTIME_RETRY_MIN_MS,
    runtimeRetryMaxMs: o.runtimeRetryMaxMs ?? DEFAULT_RUNTIME_RETRY_MAX_MS,
    retryIntervalMs: o.retryIntervalMs ?? DEFAULT_RETRY_INTERVAL_MS,
    eventDedupeMs: o.eventDedupeMs ?? DEFAULT_EVENT_DEDUPE_MS,
    ghostGraceSeconds: o.ghostGraceSeconds ?? DEFAULT_GHOST_GRACE_SECONDS,
    pullProgressEventMs: o.pullProgressEventMs ?? DEFAULT_PULL_PROGRESS_EVENT_MS,
    pauseImage: o.pauseImage ?? DEFAULT_PAUSE_IMAGE,
    pauseBinary: o.pauseBinary ?? DEFAULT_PAUSE_BINARY,
  };
  for (const k of [
    'resyncIntervalMs',
    'retryIntervalMs',
    'runtimeRetryMinMs',
    'pullProgressEventMs',
  ] as const) {
    if (!(r[k] > 0)) throw new PodManagerOptionsError(`${k} must be > 0`);
  }
  if (!(r.runtimeRetryMaxMs >= r.runtimeRetryMinMs))
    throw new PodManagerOptionsError('runtimeRetryMaxMs must be >= runtimeRetryMinMs');
  if (!(r.eventDedupeMs >= 0)) throw new PodManagerOptionsError('eventDedupeMs must be >= 0');
  if (!(r.ghostGraceSeconds >= 0)) throw new PodManagerOptionsError('ghostGraceSeconds must be >= 0');
  return r;
}
