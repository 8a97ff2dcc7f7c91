// delete: preconditions, graceful deletion (bound pods), namespace cascade, finalizers and
// propagationPolicy: Foreground adds the `foregroundDeletion` finalizer and Orphan the
// `orphan` finalizer (the garbage collector does the work and removes them); an object with
// finalizers only gets deletionTimestamp and is removed when its last finalizer goes
// (write.ts). Background (the default) removes the object; the collector then deletes the
// dependents whose owners are gone.

import type { KubeList, KubeObject } from '../../../shared/api/types.js';
import { KeyNotFoundError, RevisionConflictError } from '../../store/errors.js';
import type { DeleteOptions, ListOptions } from '../client.js';
import type { ApiCore } from '../core.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { fromKv, nowTimestamp, storeKey, storePrefix, toValue } from '../meta.js';
import { apiVersionOf, type ResourceDef } from '../resource.js';
import { listObjects } from './read.js';
import { SYSTEM_NAMESPACES } from '../resources/namespaces.js';

export const FINALIZER_FOREGROUND = 'foregroundDeletion';
export const FINALIZER_ORPHAN = 'orphan';

/** Store page size when a namespace deletes its contents (keys). */
const CASCADE_PAGE = 500;

async function removeNamespaceContents(core: ApiCore, ns: string): Promise<void> {
  for (const def of core.registry.all()) {
    if (!def.namespaced) continue;
    for (;;) {
      const page = await core.store.list(storePrefix(def, ns), { limit: CASCADE_PAGE });
      for (const kv of page.items) {
        try {
          const gone = fromKv(await core.store.delete(kv.key), def);
          await def.release?.(core, gone);
        } catch (e) {
          if (!(e instanceof KeyNotFoundError)) throw e;
        }
      }
      if (page.items.length < CASCADE_PAGE) break;
    }
  }
}

export async function deleteObject(
  core: ApiCore,
  def: ResourceDef,
  ns: string | undefined,
  name: string,
  opts: DeleteOptions = {},
): Promise<KubeObject> {
  const key = storeKey(def, ns, name);
  for (;;) {
    const kv = await core.store.get(key);
    if (!kv) throw new NotFoundError(def.resource, name, def.group);
    const old = fromKv(kv, def);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid)
      throw new ConflictError(
        def.resource,
        name,
        def.group,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion)
      throw new ConflictError(
        def.resource,
        name,
        def.group,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    if (def.resource === 'namespaces') {
      if (SYSTEM_NAMESPACES.includes(name))
        throw new ForbiddenError(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
      // Drover has no namespace controller: contents go at once, then the namespace.
      await removeNamespaceContents(core, name);
    }
    const grace = def.gracePeriodSeconds?.(old, opts.gracePeriodSeconds);
    const m0 = old.metadata;
    const finalizers = [...(m0.finalizers ?? [])];
    const policy = opts.propagationPolicy;
    if (!m0.deletionTimestamp && def.resource !== 'namespaces') {
      const f =
        policy === 'Foreground' ? FINALIZER_FOREGROUND : policy === 'Orphan' ? FINALIZER_ORPHAN : undefined;
      if (f && !finalizers.includes(f)) finalizers.push(f);
    }
    try {
      if (finalizers.length > 0) {
        // Stays until its finalizers are removed; a shorter grace (an agent's confirmation) is kept.
        const g = Math.min(grace ?? 0, m0.deletionGracePeriodSeconds ?? Number.POSITIVE_INFINITY);
        if (
          m0.deletionTimestamp &&
          m0.deletionGracePeriodSeconds === g &&
          finalizers.length === (m0.finalizers ?? []).length
        )
          return old;
        const next = {
          ...old,
          metadata: {
            ...m0,
            finalizers,
            deletionTimestamp: m0.deletionTimestamp ?? nowTimestamp(Date.now() + g * 1000),
            deletionGracePeriodSeconds: g,
          },
        };
        return fromKv(await core.store.update(key, toValue(next), kv.modRevision), def);
      }
      if (grace && grace > 0) {
        const m = old.metadata;
        if (m.deletionTimestamp && (m.deletionGracePeriodSeconds ?? 0) <= grace) return old;
        const next = {
          ...old,
          metadata: {
            ...m,
            deletionTimestamp: nowTimestamp(Date.now() + grace * 1000),
            deletionGracePeriodSeconds: grace,
          },
        };
        return fromKv(await core.store.update(key, toValue(next), kv.modRevision), def);
      }
      const gone = fromKv(await core.store.delete(key, kv.modRevision), def);
      await def.release?.(core, gone);
      return gone;
    } catch (e) {
      if (e instanceof RevisionConflictError) continue;
      if (e instanceof KeyNotFoundError) throw new NotFoundError(def.resource, name, def.group);
      throw e;
    }
  }
}

/**
 * deletecollection: every object the selectors match, each through deleteObject (graceful
 * deletion, finalizers and propagation as one by one); answers the list of what was deleted,
 * as upstream's DeleteCollection.
 */
export async function deleteCollection(
  core: ApiCore,
  def: ResourceDef,
  ns: string | undefined,
  selectors: Pick<ListOptions, 'labelSelector' | 'fieldSelector'>,
  opts: DeleteOptions = {},
): Promise<KubeList> {
  const matched = await listObjects(core, def, ns, selectors);
  const items: KubeObject[] = [];
  for (const o of matched.items) {
    try {
      items.push(await deleteObject(core, def, o.metadata.namespace, o.metadata.name ?? '', opts));
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }
  return { apiVersion: apiVersionOf(def), kind: `${def.kind}List`, metadata: matched.metadata, items };
}
