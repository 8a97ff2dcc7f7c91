// ApiClient: how every hub component (scheduler, controllers, MQTT gateway, CLI) talks to the
// API. The in-process implementation runs the same validation/admission path as an HTTP
// request (DESIGN: the API server is the only writer of the store); the HTTP implementation
// talks to a remote hub. Resources are named by their plural ('pods', 'nodes', 'deployments').

import type { KubeList, KubeObject, WatchEvent } from '../../shared/api/types.js';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions extends ListOptions {
  /** Start after this resourceVersion; omitted = from now. */
  resourceVersion?: string;
  /** Send a BOOKMARK-free initial ADDED event per existing object first (like a list+watch). */
  sendInitialEvents?: boolean;
}

export type PatchType = 'merge' | 'strategic' | 'json';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ApiWatch {
  close(): void;
}

export interface ApiClient {
  get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): Promise<T>;
  list<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    opts?: ListOptions,
  ): Promise<KubeList<T>>;
  create<T extends KubeObject>(resource: string, namespace: string | undefined, obj: T): Promise<T>;
  /** PUT; optimistic concurrency on metadata.resourceVersion when set. subresource: 'status' | 'scale'. */
  update<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    obj: T,
    subresource?: string,
  ): Promise<T>;
  patch<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type?: PatchType,
    subresource?: string,
  ): Promise<T>;
  delete(resource: string, namespace: string | undefined, name: string, opts?: DeleteOptions): Promise<void>;
  /** POST to a subresource such as pods/{name}/binding. */
  createSubresource<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    subresource: string,
    body: KubeObject,
  ): Promise<T>;
  /** onEvent is called in order; onEnd when the watch ends other than by close() (e.g. 410 Gone). */
  watch<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (ev: WatchEvent<T>) => void,
    onEnd?: (err?: Error) => void,
  ): Promise<ApiWatch>;
}
