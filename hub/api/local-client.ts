// In-process ApiClient: same ApiCore path as HTTP (authorization, validation, defaults,
// concurrency), with objects copied in and out so callers never share references with the store;
// a watch's objects are the exception: shared by every watcher, read-only.
// It acts as one user: the API server itself unless made with as(user) (each in-process
// component acts as its own system identity).

import type { KubeList, KubeObject, WatchEvent } from '../../shared/api/types.js';
import type { ApiClient, ApiWatch, DeleteOptions, ListOptions, PatchType, WatchOptions } from './client.js';
import { ApiCore } from './core.js';
import type { ResourceDef } from './resource.js';
import { API_SERVER_USER, type UserInfo } from '../auth/user.js';
import { PathNotFoundError } from './errors.js';
import { clone } from './meta.js';
import { getObject, listObjects } from './ops/read.js';
import { deleteObject } from './ops/delete.js';
import { watchObjects } from './ops/watch.js';
import { auditedInProcess, inProcessEntry } from '../audit/in-process.js';
import { createObject, patchObject, updateObject } from './ops/write.js';

/** The verbs a fence refuses (every verb this client sends that changes the store). */
const WRITE_VERBS: ReadonlySet<string> = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export class LocalApiClient implements ApiClient {
  constructor(
    private readonly core: ApiCore,
    readonly user: UserInfo = API_SERVER_USER,
    /** Called before each write; throws to refuse it (the leader's lease fence). */
    private readonly fence?: () => void,
  ) {}

  /** The same client acting as another user. */
  as(user: UserInfo): LocalApiClient {
    return new LocalApiClient(this.core, user, this.fence);
  }

  /** The same client, each write first passing fence (which throws to refuse it). */
  fenced(fence: () => void): LocalApiClient {
    return new LocalApiClient(this.core, this.user, fence);
  }

  /**
   * Runs one request and records it in the audit log under this client's user when the
   * in-process policy asks (refusals, writes).
   */
  private async audited<T>(
    r: { verb: string; resource: string; subresource?: string; namespace?: string; name?: string },
    run: () => Promise<T>,
  ): Promise<T> {
    // Checked when the write is sent: one already on its way when the lease lapses still lands.
    if (this.fence && WRITE_VERBS.has(r.verb)) this.fence();
    const sink = this.core.audit;
    if (!sink) return run();
    let code = r.verb === 'create' ? 201 : 200;
    try {
      return await run();
    } catch (e) {
      code = typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : 500;
      // A component refused by RBAC misses a permission in its bootstrap role: say so loudly.
      if (code === 403)
        this.core.log.warn('in-process request refused', {
          user: this.user.name,
          ...r,
          error: (e as Error).message,
        });
      throw e;
    } finally {
      if (auditedInProcess(r.verb, r.resource, code)) sink(inProcessEntry(this.user, r, code));
    }
  }

  /** The kind, once this client's user may do verb on it (the core's one admission point). */
  private async admit(
    resource: string,
    verb: string,
    namespace: string | undefined,
    name?: string,
    subresource?: string,
    fieldSelector?: string,
  ): Promise<ResourceDef> {
    const def = this.core.resolve(resource);
    await this.core.authorize(
      this.user,
      ApiCore.attributes(def, verb, namespace, name, subresource, fieldSelector),
    );
    return def;
  }

  async get<T extends KubeObject>(resource: string, namespace: string | undefined, name: string): Promise<T> {
    return this.audited(
      { verb: 'get', resource, namespace, name },
      async () =>
        (await getObject(
          this.core,
          await this.admit(resource, 'get', namespace, name),
          namespace,
          name,
        )) as T,
    );
  }

  async list<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    opts?: ListOptions,
  ): Promise<KubeList<T>> {
    return this.audited({ verb: 'list', resource, namespace }, async () => {
      const def = await this.admit(resource, 'list', namespace, undefined, undefined, opts?.fieldSelector);
      return (await listObjects(this.core, def, namespace, opts)) as KubeList<T>;
    });
  }

  async create<T extends KubeObject>(resource: string, namespace: string | undefined, obj: T): Promise<T> {
    const ns = namespace ?? obj.metadata?.namespace;
    return this.audited({ verb: 'create', resource, namespace: ns, name: obj.metadata?.name }, async () => {
      const def = await this.admit(resource, 'create', ns);
      return (await createObject(this.core, def, namespace, clone(obj), { user: this.user })) as T;
    });
  }

  async update<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    obj: T,
    subresource?: string,
  ): Promise<T> {
    const name = obj.metadata?.name ?? '';
    const ns = namespace ?? obj.metadata?.namespace;
    return this.audited(
      { verb: 'update', resource, subresource, namespace: ns, name },
      async () =>
        (await updateObject(
          this.core,
          await this.admit(resource, 'update', ns, name, subresource),
          ns,
          name,
          clone(obj),
          subresource,
          { user: this.user },
        )) as T,
    );
  }

  async patch<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    type: PatchType = 'merge',
    subresource?: string,
  ): Promise<T> {
    return this.audited(
      { verb: 'patch', resource, subresource, namespace, name },
      async () =>
        (await patchObject(
          this.core,
          await this.admit(resource, 'patch', namespace, name, subresource),
          namespace,
          name,
          clone(patch),
          type,
          subresource,
          { user: this.user },
        )) as T,
    );
  }

  async delete(
    resource: string,
    namespace: string | undefined,
    name: string,
    opts?: DeleteOptions,
  ): Promise<void> {
    await this.audited({ verb: 'delete', resource, namespace, name }, async () =>
      deleteObject(this.core, await this.admit(resource, 'delete', namespace, name), namespace, name, opts),
    );
  }

  async createSubresource<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    name: string,
    subresource: string,
    body: KubeObject,
  ): Promise<T> {
    return this.audited({ verb: 'create', resource, subresource, namespace, name }, async () => {
      const def = await this.admit(resource, 'create', namespace, name, subresource);
      const h = def.subresourceHandlers?.[subresource] ?? this.core.subresourceHandler(resource, subresource);
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
        user: this.user,
      });
      return clone(out) as T;
    });
  }

  async watch<T extends KubeObject>(
    resource: string,
    namespace: string | undefined,
    opts: WatchOptions,
    onEvent: (ev: WatchEvent<T>) => void,
    onEnd?: (err?: Error) => void,
  ): Promise<ApiWatch> {
    return this.audited({ verb: 'watch', resource, namespace }, async () =>
      watchObjects(
        this.core,
        await this.admit(resource, 'watch', namespace, undefined, undefined, opts.fieldSelector),
        namespace,
        opts,
        // Not copied: an event's object is decoded once and shared by every watch that gets it
        // (shared-objects.ts), so it is read-only (frozen in the test suite).
        (ev) => onEvent(ev as WatchEvent<T>),
        onEnd,
      ),
    );
  }
}
