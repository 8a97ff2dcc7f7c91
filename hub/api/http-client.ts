// HTTP ApiClient for the CLI and remote components. Errors come back as the ApiError
// subclass of the server's Status; watches stream newline-delimited JSON over a chunked
// response. Uses global fetch (Node 18+).

import type { KubeList, KubeObject, Status, WatchEvent } from '../../shared/api/types.js';
import type { ApiClient, ApiWatch, DeleteOptions, ListOptions, PatchType, WatchOptions } from './client.js';
import { ApiError, InternalError, PathNotFoundError, ServiceUnavailableError } from './errors.js';
import { errorFromStatus, isStatus } from './status-error.js';
import { type ClientTls, type TlsFetch, tlsFetch } from './client-tls.js';

/** Core resources; everything else is looked up here. Extend with HttpApiClient.groups. */
const DEFAULT_GROUPS: Record<string, string> = {
  namespaces: 'v1',
  nodes: 'v1',
  pods: 'v1',
  configmaps: 'v1',
  secrets: 'v1',
  serviceaccounts: 'v1',
  roles: 'rbac.authorization.k8s.io/v1',
  clusterroles: 'rbac.authorization.k8s.io/v1',
  rolebindings: 'rbac.authorization.k8s.io/v1',
  clusterrolebindings: 'rbac.authorization.k8s.io/v1',
  events: 'v1',
  leases: 'coordination.k8s.io/v1',
  deployments: 'apps/v1',
  replicasets: 'apps/v1',
  daemonsets: 'apps/v1',
  controllerrevisions: 'apps/v1',
  rollouts: 'drover.io/v1alpha1',
};
const CLUSTER_SCOPED = new Set(['namespaces', 'nodes', 'clusterroles', 'clusterrolebindings']);

const PATCH_CONTENT: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

export class HttpApiClient implements ApiClient {
  /** resource plural -> apiVersion ('v1', 'apps/v1'); add kinds here. */
  readonly groups: Record<string, string> = { ...DEFAULT_GROUPS };
  private readonly base: string;
  private readonly fetch: TlsFetch;

  constructor(
    baseUrl: string,
    private readonly headers: Record<string, string> = {},
    tls: ClientTls = {},
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.fetch = tlsFetch(tls);
  }

  /** The URL path of a resource (collection when name is undefined). */
  path(resource: string, namespace: string | undefined, name?: string, subresource?: string): string {
    const gv = this.groups[resource];
    if (!gv) throw new PathNotFoundError(`resource ${resource}`);
    let p = gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`;
    if (namespace && !CLUSTER_SCOPED.has(resource)) p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${resource}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
    return p;
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    let res: Awaited<ReturnType<TlsFetch>>;
    try {
      res = await this.fetch(this.base + path, {
        method,
        headers: {
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': contentType } : {}),
          ...this.headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new ServiceUnavailableError(
        `cannot reach the API at ${this.base}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      if (isStatus(parsed)) throw errorFromStatus(parsed);
      throw new ApiError(
        res.status,
        'Unknown',
        `${method} ${path}: HTTP ${res.status}: ${text.slice(0, 200)}`,
      );
    }
    return parsed as T;
  }

  get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): Promise<T> {
    return this.request('GET', this.path(resource, namespace, name));
  }

  list<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    opts: ListOptions = {},
  ): Promise<KubeList<T>> {
    const q = new URLSearchParams();
    if (opts.labelSelector) q.set('labelSelector', opts.labelSelector);
    if (opts.fieldSelector) q.set('fieldSelector', opts.fieldSelector);
    if (opts.limit) q.set('limit', String(opts.limit));
    if (opts.continue) q.set('continue', opts.continue);
    const qs = q.toString();
    return this.request('GET', this.path(resource, namespace) + (qs ? `?${qs}` : ''));
  }

  create<T extends KubeObject>(resource: string, namespace: string | undefined, obj: T): Promise<T> {
    return this.request('POST', this.path(resource, namespace ?? obj.metadata?.namespace), obj);
  }

  update<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    obj: T,
    subresource?: string,
  ): Promise<T> {
    return this.request(
      'PUT',
      this.path(resource, namespace ?? obj.metadata?.namespace, obj.metadata?.name ?? '', subresource),
      obj,
    );
  }

  patch<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType = 'merge',
    subresource?: string,
  ): Promise<T> {
    return this.request(
      'PATCH',
      this.path(resource, namespace, name, subresource),
      patch,
      PATCH_CONTENT[type],
    );
  }

  async delete(
    resource: string,
    namespace: string | undefined,
    name: string,
    opts?: DeleteOptions,
  ): Promise<void> {
    const body = opts ? { apiVersion: 'v1', kind: 'DeleteOptions', ...opts } : undefined;
    await this.request<Status | KubeObject>('DELETE', this.path(resource, namespace, name), body);
  }

  createSubresource<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    subresource: string,
    body: KubeObject,
  ): Promise<T> {
    return this.request('POST', this.path(resource, namespace, name, subresource), body);
  }

  async watch<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (ev: WatchEvent<T>) => void,
    onEnd?: (err?: Error) => void,
  ): Promise<ApiWatch> {
    const q = new URLSearchParams({ watch: 'true' });
    if (opts.labelSelector) q.set('labelSelector', opts.labelSelector);
    if (opts.fieldSelector) q.set('fieldSelector', opts.fieldSelector);
    if (opts.resourceVersion) q.set('resourceVersion', opts.resourceVersion);
    // ApiClient semantics: without resourceVersion, from now unless initial events are asked for.
    if (!opts.resourceVersion) q.set('sendInitialEvents', opts.sendInitialEvents ? 'true' : 'false');
    const ac = new AbortController();
    let res: Awaited<ReturnType<TlsFetch>>;
    try {
      res = await this.fetch(`${this.base}${this.path(resource, namespace)}?${q}`, {
        headers: { Accept: 'application/json', ...this.headers },
        signal: ac.signal,
      });
    } catch (e) {
      throw new ServiceUnavailableError(
        `cannot reach the API at ${this.base}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (!res.ok || !res.body) {
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      throw isStatus(parsed)
        ? errorFromStatus(parsed)
        : new ApiError(res.status, 'Unknown', text.slice(0, 200));
    }
    let closed = false;
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    (async () => {
      let buf = '';
      let endErr: Error | undefined;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let nl = buf.indexOf('\n');
          while (nl >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            nl = buf.indexOf('\n');
            if (!line || closed) continue;
            const ev = JSON.parse(line) as WatchEvent<T>;
            if (ev.type === 'ERROR') {
              endErr = isStatus(ev.object) ? errorFromStatus(ev.object) : new InternalError('watch error');
            } else onEvent(ev);
          }
        }
      } catch (e) {
        if (!closed) endErr = e instanceof Error ? e : new Error(String(e));
      }
      if (!closed) {
        closed = true;
        onEnd?.(endErr);
      }
    })();
    return {
      close() {
        if (closed) return;
        closed = true;
        ac.abort();
      },
    };
  }
}
