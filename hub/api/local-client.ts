// In-process ApiClient: same ApiCore path as HTTP (validation, defaults, concurrency), with
// objects copied in and out so callers never share references with the store.

import type { KubeList, KubeObject, WatchEvent } from '../../shared/api/types.js';
import type { ApiClient, ApiWatch, DeleteOptions, ListOptions, PatchType, WatchOptions } from './client.js';
import type { ApiCore } from './core.js';
import { PathNotFoundError } from './errors.js';
import { clone } from './meta.js';
import { getObject, listObjects } from './ops/read.js';
import { deleteObject } from './ops/delete.js';
import { watchObjects } from './ops/watch.js';
import { createObject, patchObject, updateObject } from './ops/write.js';

export class LocalApiClient implements ApiClient {
  constructor(private readonly core: ApiCore) {}

  async get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): Promise<T> {
    return (await getObject(this.core, this.core.resolve(resource), namespace, name)) as T;
  }

  async list<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    opts?: ListOptions,
  ): Promise<KubeList<T>> {
    return (await listObjects(this.core, this.core.resolve(resource), namespace, opts)) as KubeList<T>;
  }

  async create<T extends KubeObject>(resource: string, namespace: string | undefined, obj: T): Promise<T> {
    return (await createObject(this.core, this.core.resolve(resource), namespace, clone(obj))) as T;
  }

  async update<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    obj: T,
    subresource?: string,
  ): Promise<T> {
    const name = obj.metadata?.name ?? '';
    return (await updateObject(
      this.core,
      this.core.resolve(resource),
      namespace ?? obj.metadata?.namespace,
      name,
      clone(obj),
      subresource,
    )) as T;
  }

  async patch<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType = 'merge',
    subresource?: string,
  ): Promise<T> {
    return (await patchObject(
      this.core,
      this.core.resolve(resource),
      namespace,
      name,
      clone(patch),
      type,
      subresource,
    )) as T;
  }

  async delete(
    resource: string,
    namespace: string | undefined,
    name: string,
    opts?: DeleteOptions,
  ): Promise<void> {
    await deleteObject(this.core, this.core.resolve(resource), namespace, name, opts);
  }

  async createSubresource<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    subresource: string,
    body: KubeObject,
  ): Promise<T> {
    const def = this.core.resolve(resource);
    const h = this.core.subresourceHandler(resource, subresource);
    if (!h) throw new PathNotFoundError(`${resource}/${name}/${subresource}`);
    const out = await h({
      core: this.core,
      def,
      method: 'POST',
      namespace,
      name,
      subresource,
      query: new URLSearchParams(),
      body: clone(body),
    });
    return clone(out) as T;
  }

  async watch<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (ev: WatchEvent<T>) => void,
    onEnd?: (err?: Error) => void,
  ): Promise<ApiWatch> {
    return watchObjects(
      this.core,
      this.core.resolve(resource),
      namespace,
      opts,
      (ev) => onEvent(clone(ev) as WatchEvent<T>),
      onEnd,
    );
  }
}
