// API server options: defaults (with units) and validation in one place.

import { parseServiceRanges, type ServiceRanges } from './allocation/ranges.js';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../shared/log.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/store.js';
import type { Authenticate } from '../auth/authn.js';
import type { AuditEntry } from '../audit/log.js';
import type { ApiClient } from './client.js';

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
/** Time to receive a request's headers, ms (Node's default is 60 s; slow-loris clients hold a socket that long). */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
/** Time to receive a whole request (headers and body), ms; watches and log streams are responses, not bound by it. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** Idle keep-alive connection lifetime, ms. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 30_000;
/** Open connections the server accepts at once; more are closed at accept. */
export const DEFAULT_MAX_CONNECTIONS = 4096;

/** Serving certificate and key (PEM) and the CA whose client certificates are asked for. */
export interface ServerTls {
  certPem: string;
  keyPem: string;
  /** Client CA: certificates it signed authenticate users; omitted = no client certificates. */
  clientCaPem?: string;
}

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
  /** HTTPS with this certificate; required unless insecureLoopback. */
  tls?: ServerTls;
  /** Called once per answered request that reached authentication (the audit log). */
  audit?: (e: AuditEntry) => void;
  /** Builds request authentication once the server's in-process client exists; required with tls. */
  authentication?: (client: ApiClient) => Authenticate;
  /**
   * Plain HTTP with no authentication, every caller acting as the API server itself. Only on a
   * loopback address: for component tests and benches, never for a hub.
   */
  insecureLoopback?: boolean;
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  maxConnections?: number;
  /** ClusterIP and NodePort ranges; default Kubernetes' (10.96.0.0/12, 30000-32767). */
  serviceRanges?: ServiceRanges;
}

export class ApiServerOptionsError extends Error {
  override name = 'ApiServerOptionsError';
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0)
    throw new ApiServerOptionsError(`${name} ${v} must be a positive integer`);
  return v;
}

export type ResolvedApiServerOptions = Required<
  Omit<ApiServerOptions, 'log' | 'metrics' | 'tls' | 'insecureLoopback' | 'authentication' | 'audit'>
> &
  ApiServerOptions;

export function resolveOptions(o: ApiServerOptions): ResolvedApiServerOptions {
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ApiServerOptionsError(`port ${port} must be 0..65535`);
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
  const host = o.host ?? DEFAULT_HOST;
  if (!o.tls && !o.insecureLoopback)
    throw new ApiServerOptionsError(
      'the API serves HTTPS: give tls (or insecureLoopback for a loopback-only test server)',
    );
  if (o.tls && o.insecureLoopback)
    throw new ApiServerOptionsError('tls and insecureLoopback exclude each other');
  if (o.insecureLoopback && !LOOPBACK.has(host))
    throw new ApiServerOptionsError(`insecureLoopback needs a loopback host, not ${host}`);
  return {
    ...o,
    host,
    port,
    maxBodyBytes: positiveInt('maxBodyBytes', o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
    maxBodyDepth,
    yamlDecodeTimeoutMs,
    bookmarkIntervalMs,
    uiDir,
    serviceRanges: o.serviceRanges ?? parseServiceRanges(),
    headersTimeoutMs: positiveInt('headersTimeoutMs', o.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS),
    requestTimeoutMs: positiveInt('requestTimeoutMs', o.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
    keepAliveTimeoutMs: positiveInt(
      'keepAliveTimeoutMs',
      o.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    ),
    maxConnections: positiveInt('maxConnections', o.maxConnections ?? DEFAULT_MAX_CONNECTIONS),
  };
}
