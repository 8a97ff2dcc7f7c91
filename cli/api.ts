// Where the CLI finds the hub's API and how it talks to it: HTTPS requests with the kubeconfig's
// CA and client certificate (or bearer token), the Kubernetes content types (Table for `get`,
// JSON otherwise), and errors that say what to do.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { KubeObject, Status } from '../shared/api/types.js';
import type { ClientTls } from '../hub/api/client-tls.js';
import { tlsFetch } from '../hub/api/client-tls.js';

/** The hub's default data dir, relative to the working directory (as `drover hub` and `drover up` use). */
export const DEFAULT_HUB_DATA_DIR = '.drover/hub';
export const DEFAULT_KUBECONFIG = `${DEFAULT_HUB_DATA_DIR}/kubeconfig`;
/** Per-request timeout, ms: a hub on a board can be slow, but not this slow. */
export const REQUEST_TIMEOUT_MS = 15_000;

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

export interface ApiTarget {
  server: string;
  token?: string;
  tls?: ClientTls;
  /** Where the server came from, for error messages. */
  source: string;
}

export class HubNotFoundError extends Error {
  override name = 'HubNotFoundError';
}

export class HubUnreachableError extends Error {
  override name = 'HubUnreachableError';
}

/** The API answered with a Kubernetes Status failure. */
export class ApiStatusError extends Error {
  override name = 'ApiStatusError';
  constructor(
    readonly code: number,
    readonly reason: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface TargetFlags {
  server?: string;
  kubeconfig?: string;
}

/**
 * The kubeconfig (--kubeconfig, else DROVER_KUBECONFIG, else ./.drover/hub/kubeconfig) gives server
 * and credentials; --server replaces its server, as kubectl's does (without a kubeconfig there are
 * no credentials, and the hub answers 401).
 */
export function resolveApiTarget(flags: TargetFlags, env: NodeJS.ProcessEnv = process.env): ApiTarget {
  const path = flags.kubeconfig ?? env.DROVER_KUBECONFIG ?? DEFAULT_KUBECONFIG;
  const source = flags.kubeconfig
    ? '--kubeconfig'
    : env.DROVER_KUBECONFIG
      ? 'DROVER_KUBECONFIG'
      : 'the default kubeconfig';
  if (flags.server) {
    const server = flags.server.replace(/\/+$/, '');
    if (!existsSync(path)) return { server, source: '--server' };
    return { ...readKubeconfig(path), server, source: `--server with the credentials of ${path}` };
  }
  if (!existsSync(path))
    throw new HubNotFoundError(
      `no hub found: ${resolve(path)} (${source}) does not exist. Start one with \`drover hub\` (or \`drover up\`) in this directory, or pass --server http://HOST:PORT or --kubeconfig FILE`,
    );
  return { ...readKubeconfig(path), source: `${source} ${path}` };
}

/** A kubeconfig's `*-data` field (base64 PEM) or its file twin (a path relative to the kubeconfig). */
function pemField(obj: Record<string, unknown> | undefined, field: string, base: string): string | undefined {
  const data = obj?.[`${field}-data`];
  if (typeof data === 'string') return Buffer.from(data, 'base64').toString('utf8');
  const file = obj?.[field];
  if (typeof file === 'string') return readFileSync(resolve(base, file), 'utf8');
  return undefined;
}

/** Server, CA, client certificate and bearer token of the current context of a kubeconfig (YAML or JSON). */
export function readKubeconfig(path: string): { server: string; token?: string; tls: ClientTls } {
  const doc = parseYaml(readFileSync(path, 'utf8')) as Record<string, unknown> | null;
  const list = (k: string) => (Array.isArray(doc?.[k]) ? (doc[k] as Record<string, unknown>[]) : []);
  const contexts = list('contexts');
  const current = contexts.find((c) => c.name === doc?.['current-context']) ?? contexts[0];
  const ctx = (current?.context ?? {}) as { cluster?: string; user?: string };
  const clusters = list('clusters');
  const cluster = (clusters.find((c) => c.name === ctx.cluster) ?? clusters[0])?.cluster as
    | ({ server?: string } & Record<string, unknown>)
    | undefined;
  if (!cluster?.server) throw new HubNotFoundError(`${path} names no cluster server`);
  const user = list('users').find((u) => u.name === ctx.user)?.user as
    | ({ token?: string } & Record<string, unknown>)
    | undefined;
  const base = dirname(resolve(path));
  const tls: ClientTls = {};
  const ca = pemField(cluster, 'certificate-authority', base);
  const cert = pemField(user, 'client-certificate', base);
  const key = pemField(user, 'client-key', base);
  if (ca) tls.caPem = ca;
  if (cert) tls.certPem = cert;
  if (key) tls.keyPem = key;
  return { server: cluster.server.replace(/\/+$/, ''), token: user?.token, tls };
}

const fetchers = new WeakMap<ApiTarget, ReturnType<typeof tlsFetch>>();

export interface RequestOptions {
  method?: string;
  accept?: string;
  body?: unknown;
}

export async function apiRequest<T = unknown>(
  target: ApiTarget,
  path: string,
  opts: RequestOptions = {},
): Promise<T> {
  const url = `${target.server}${path}`;
  const headers: Record<string, string> = { accept: opts.accept ?? 'application/json' };
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let fetcher = fetchers.get(target);
  if (!fetcher) {
    fetcher = tlsFetch(target.tls);
    fetchers.set(target, fetcher);
  }
  let res: Awaited<ReturnType<typeof fetcher>>;
  try {
    res = await fetcher(url, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new HubUnreachableError(
      `cannot reach the hub API at ${target.server} (from ${target.source}): ${cause?.code ?? cause?.message ?? (e as Error).message}. Is the hub running? Start it with \`drover hub\` or \`drover up\``,
    );
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!res.ok) {
    const st = body as Partial<Status> | undefined;
    const msg = typeof st === 'object' && st?.message ? st.message : `${res.status} ${res.statusText}`;
    throw new ApiStatusError(res.status, typeof st === 'object' ? st?.reason : undefined, msg);
  }
  return body as T;
}

// ---- resource names ----

export interface ResourceInfo {
  /** Plural, as in the URL. */
  plural: string;
  /** `/api/v1` or `/apis/<group>/<version>`. */
  prefix: string;
  namespaced: boolean;
  kind: string;
}

const RESOURCES: [string[], ResourceInfo][] = [
  [['nodes', 'node', 'no'], { plural: 'nodes', prefix: '/api/v1', namespaced: false, kind: 'Node' }],
  [['pods', 'pod', 'po'], { plural: 'pods', prefix: '/api/v1', namespaced: true, kind: 'Pod' }],
  [
    ['namespaces', 'namespace', 'ns'],
    { plural: 'namespaces', prefix: '/api/v1', namespaced: false, kind: 'Namespace' },
  ],
  [['events', 'event', 'ev'], { plural: 'events', prefix: '/api/v1', namespaced: true, kind: 'Event' }],
  [['secrets', 'secret'], { plural: 'secrets', prefix: '/api/v1', namespaced: true, kind: 'Secret' }],
  [
    ['configmaps', 'configmap', 'cm'],
    { plural: 'configmaps', prefix: '/api/v1', namespaced: true, kind: 'ConfigMap' },
  ],
  [
    ['deployments', 'deployment', 'deploy'],
    { plural: 'deployments', prefix: '/apis/apps/v1', namespaced: true, kind: 'Deployment' },
  ],
  [
    ['replicasets', 'replicaset', 'rs'],
    { plural: 'replicasets', prefix: '/apis/apps/v1', namespaced: true, kind: 'ReplicaSet' },
  ],
  [
    ['daemonsets', 'daemonset', 'ds'],
    { plural: 'daemonsets', prefix: '/apis/apps/v1', namespaced: true, kind: 'DaemonSet' },
  ],
  [
    ['leases', 'lease'],
    { plural: 'leases', prefix: '/apis/coordination.k8s.io/v1', namespaced: true, kind: 'Lease' },
  ],
];

export class UnknownResourceError extends Error {
  override name = 'UnknownResourceError';
}

export function resourceInfo(name: string): ResourceInfo {
  const hit = RESOURCES.find(([names]) => names.includes(name.toLowerCase()));
  if (!hit)
    throw new UnknownResourceError(
      `unknown resource type ${JSON.stringify(name)}; known: ${RESOURCES.map(([n]) => n[0]).join(', ')}`,
    );
  return hit[1];
}

/** Collection or object path; namespace undefined = all namespaces (or a cluster-scoped kind). */
export function resourcePath(r: ResourceInfo, namespace: string | undefined, name?: string): string {
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${r.prefix}${ns}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export type { KubeObject };
