// API server options: defaults (with units) and validation in one place.

import { fileURLToPath } from 'node:url';
import type { Logger } from '../../shared/log.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/store.js';

/** etcd's request limit, bytes (1.5 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1572864;
export const DEFAULT_HOST = '127.0.0.1';
/** Deepest nesting of a request body, levels (objects and arrays; Kubernetes objects need ~20). */
export const DEFAULT_MAX_BODY_DEPTH = 128;
/** Wall time a YAML body may take to decode in the worker, ms. */
export const DEFAULT_YAML_DECODE_TIMEOUT_MS = 5000;
/** YAML bodies waiting for the decode worker before new ones get 429. */
export const DEFAULT_YAML_DECODE_QUEUE = 8;
/** Alias expansions one YAML document may cost (yaml's maxAliasCount; its default too). */
export const DEFAULT_YAML_MAX_ALIASES = 100;
/** Interval between BOOKMARK events on a watch that allows them, ms (kube-apiserver: ~1 min). */
export const DEFAULT_BOOKMARK_INTERVAL_MS = 30_000;
/** The YAML decode worker's heap cap, MiB. */
export const DEFAULT_YAML_WORKER_HEAP_MB = 256;

/** The built dashboard served at /ui: dist/ui beside dist/hub (scripts/build-ui.mjs). */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../ui', import.meta.url));

export interface ApiServerOptions {
  store: Store;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Largest accepted request body, bytes; default 1.5 MiB. */
  maxBodyBytes?: number;
  /** Deepest nesting of a request body, levels; default 128. */
  maxBodyDepth?: number;
  /** Wall time a YAML body may take to decode, ms; default 5000. */
  yamlDecodeTimeoutMs?: number;
  /** Interval between BOOKMARK events on watches that allow them, ms; default 30000. */
  bookmarkIntervalMs?: number;
  log?: Logger;
  /** Registry to add the API's metrics to (the hub's shared one); a new one when omitted. */
  metrics?: Metrics;
  /** Directory of the built dashboard; default dist/ui. */
  uiDir?: string;
}

export class ApiServerOptionsError extends Error {
  override name = 'ApiServerOptionsError';
}

export function resolveOptions(
  o: ApiServerOptions,
): Required<Omit<ApiServerOptions, 'log' | 'metrics'>> & ApiServerOptions {
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ApiServerOptionsError(`port ${port} must be 0..65535`);
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0)
    throw new ApiServerOptionsError(`maxBodyBytes ${maxBodyBytes} must be a positive integer`);
  const maxBodyDepth = o.maxBodyDepth ?? DEFAULT_MAX_BODY_DEPTH;
  if (!Number.isInteger(maxBodyDepth) || maxBodyDepth < 8 || maxBodyDepth > 1000)
    throw new ApiServerOptionsError(`maxBodyDepth ${maxBodyDepth} must be an integer in 8..1000`);
  const yamlDecodeTimeoutMs = o.yamlDecodeTimeoutMs ?? DEFAULT_YAML_DECODE_TIMEOUT_MS;
  if (!Number.isInteger(yamlDecodeTimeoutMs) || yamlDecodeTimeoutMs <= 0)
    throw new ApiServerOptionsError(`yamlDecodeTimeoutMs ${yamlDecodeTimeoutMs} must be a positive integer`);
  const uiDir = o.uiDir ?? DEFAULT_UI_DIR;
  const bookmarkIntervalMs = o.bookmarkIntervalMs ?? DEFAULT_BOOKMARK_INTERVAL_MS;
  if (!Number.isInteger(bookmarkIntervalMs) || bookmarkIntervalMs < 10)
    throw new ApiServerOptionsError(`bookmarkIntervalMs ${bookmarkIntervalMs} must be an integer >= 10`);
  return {
    ...o,
    host: o.host ?? DEFAULT_HOST,
    port,
    maxBodyBytes,
    maxBodyDepth,
    yamlDecodeTimeoutMs,
    bookmarkIntervalMs,
    uiDir,
  };
}
