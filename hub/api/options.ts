// API server options: defaults (with units) and validation in one place.

import type { Logger } from '../../shared/log.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/store.js';

/** etcd's request limit, bytes (1.5 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1572864;
export const DEFAULT_HOST = '127.0.0.1';

export interface ApiServerOptions {
  store: Store;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Largest accepted request body, bytes; default 1.5 MiB. */
  maxBodyBytes?: number;
  log?: Logger;
  /** Registry to add the API's metrics to (the hub's shared one); a new one when omitted. */
  metrics?: Metrics;
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
  return { ...o, host: o.host ?? DEFAULT_HOST, port, maxBodyBytes };
}
