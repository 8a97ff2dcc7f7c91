// create, update (PUT) and patch: defaults, validation, optimistic concurrency, generation.

import type { KubeObject } from '../../../shared/api/types.js';
import { KeyExistsError, KeyNotFoundError, RevisionConflictError } from '../../store/errors.js';
import type { KeyValue } from '../../store/store.js';
import type { PatchType } from '../client.js';
import type { ApiCore, RequestOptions } from '../core.js';
import {
  AlreadyExistsError,
  BadRequestError,
  ConflictError,
  CrdTerminatingError,
  ForbiddenError,
  InvalidError,
  NotFoundError,
  UnsupportedMediaTypeError,
} from '../errors.js';
import {
  asWritten,
  clone,
  fromKv,
  generateName,
  newUid,
  nowTimestamp,
  required,
  storeKey,
  toStored,
  toValue,
  validateMeta,
} from '../meta.js';
import { checkManagedFields, recordUpdate } from '../apply/managed-fields.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { isPlainObject, mergePatch } from '../patch/merge.js';
import { strategicMerge } from '../patch/strategic.js';
import type { ResourceDef } from '../resource.js';
import { checkInput } from './input.js';
import type { UserInfo } from '../../auth/user.js';

/** What server-side apply needs to know of a kind to tell owned fields. */
function ownable(def: ResourceDef): { statusIsSubresource: boolean } {
  return { statusIsSubresource: def.subresources.includes('status') };
}

/** Retries of an update whose store CAS lost a race (no resourceVersion from the client). */
const UPDATE_RETRIES = 5;
/** Names drawn for one generateName create before AlreadyExists (kube-apiserver: 8 in all). */
const GENERATE_NAME_ATTEMPTS = 8;

function validateAll(def: ResourceDef, obj: KubeObject, old?: KubeObject): void {
  const causes = [
    ...validateMeta(def, obj),
    ...checkManagedFields((obj.metadata as { managedFields?: unknown }).managedFields),
    ...(def.validate?.(obj, old) ?? []),
  ];
  if (causes.length) throw new InvalidError(def.kind, obj.metadata.name ?? '', causes, def.group);
}

export async function requireNamespace(core: ApiCore, ns: string): Promise<void> {
  if (core.namespaces?.active(ns)) return;
  const kv = await core.store.get(`/registry/namespaces/${ns}`);
  if (!kv) throw new NotFoundError('namespaces', ns);
  const nsObj = fromKv(kv);
  const terminating = Boolean(nsObj.metadata.deletionTimestamp);
  core.namespaces?.learn(ns, kv.modRevision, !terminating);
  if (terminating)
    throw new ForbiddenError(
      `unable to create new content in namespace ${ns} because it is being terminated`,
    );
}

export async function createObject(
  core: ApiCore,
  def: ResourceDef,
  ns: string | undefined,
  body: unknown,
  opts: RequestOptions = {},
): Promise<KubeObject> {
  if (def.custom?.terminating) throw new CrdTerminatingError();
  const obj = checkInput(def, body, opts, ns);
  const m = obj.metadata;
  const generated = !m.name;
  if (!m.name) {
    if (!m.generateName)
      throw new InvalidError(
        def.kind,
        '',
        [required('metadata.name', 'name or generateName is required')],
        def.group,
      );
    m.name = generateName(m.generateName);
  }
  if (def.namespaced) await requireNamespace(core, m.namespace!);
  m.uid = newUid();
  m.creationTimestamp = nowTimestamp();
  m.generation = 1;
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  def.defaults?.(obj);
  def.prepareCreate?.(obj);
  if (opts.fieldManager) recordUpdate(undefined, obj, opts.fieldManager, ownable(def), nowTimestamp());
  await def.admitCreate?.(obj, core);
  validateAll(def, obj);
  await core.admitWrite({ core, def, obj, user: opts.user });
  for (let attempt = 1; ; attempt++) {
    const undo = await def.claim?.(core, obj);
    const key = storeKey(def, m.namespace, m.name);
    try {
      const created = asWritten(
        obj,
        await writeShared(core, key, toValue(obj), clone(toStored(obj)), (value) =>
          core.store.create(key, value, { endOfTurn: opts.endOfTurn }),
        ),
        def,
      );
      // A dry-run create consumed no revision, so the object has no resourceVersion (as upstream).
      if (opts.dryRun) delete created.metadata.resourceVersion;
      return created;
    } catch (e) {
      await undo?.();
      if (!(e instanceof KeyExistsError)) throw e;
      // A generated name that is taken is drawn again (kube-apiserver's RetryGenerateName):
      // with 5 characters, a DaemonSet's 10,000 pods meet a collision every few thousand.
      if (generated && attempt < GENERATE_NAME_ATTEMPTS) {
        m.name = generateName(m.generateName ?? '');
        continue;
      }
      throw new AlreadyExistsError(def.resource, m.name, def.group);
    }
  }
}

/**
 * Writes value (the stored form of an object) through write. copy, that object as a copy nobody
 * else holds, is left for the readers of the write's store event (shared-objects.ts), so the
 * event is not parsed back from the text just made.
 */
async function writeShared(
  core: ApiCore,
  key: string,
  value: string,
  copy: KubeObject,
  write: (value: string) => Promise<KeyValue>,
): Promise<KeyValue> {
  const release = core.objects.writing(key, value, copy);
  try {
    return await write(value);
  } finally {
    release();
  }
}

/** A copy of old with status in the place of its own (which is not copied: the status write's). */
function withStatus(old: KubeObject, status: unknown): KubeObject {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(old)) {
    const value = k === 'status' ? status : clone(v);
    // An own "__proto__" key (as JSON.parse makes it) stays a key; assigning it sets the prototype.
    if (k === '__proto__')
      Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    else out[k] = value;
  }
  if (!Object.hasOwn(out, 'status')) out.status = status;
  return out as unknown as KubeObject;
}

/** Everything but metadata and status: a change here bumps metadata.generation. */
function specPart(o: KubeObject): string {
  const { metadata: _m, status: _s, ...rest } = o as KubeObject & { status?: unknown };
  return JSON.stringify(rest);
}

/**
 * The shared update path. make(old) builds the desired object from the current one (PUT
 * ignores old; a patch applies itself to it). A resourceVersion in the result must match.
 */
export async function applyUpdate(
  core: ApiCore,
  def: ResourceDef,
  ns: string | undefined,
  name: string,
  make: (old: KubeObject) => KubeObject,
  subresource?: string,
  internal: {
    bypassUpdateRules?: boolean;
    withStatus?: boolean;
    user?: UserInfo;
    fieldManager?: string;
    endOfTurn?: boolean;
    /** make ignores old (a PUT): it is not handed a copy of old. */
    replaces?: boolean;
  } = {},
): Promise<KubeObject> {
  const key = storeKey(def, ns, name);
  for (let attempt = 0; ; attempt++) {
    const kv = await core.store.get(key);
    if (!kv) throw new NotFoundError(def.resource, name, def.group);
    // Shared with the watchers when it is the object of the key's last event: only read here
    // (make and the status path change copies of it).
    const old = core.objects.stored(kv, def);
    // A PUT's make ignores old: old is handed over as is (a copy is a whole object's work).
    const incoming = make(internal.replaces ? old : clone(old));
    if (incoming.metadata.name && incoming.metadata.name !== name)
      throw new BadRequestError(
        `the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`,
      );
    const rv = incoming.metadata.resourceVersion;
    if (rv && rv !== String(kv.modRevision)) throw new ConflictError(def.resource, name, def.group);
    const hasStatus = def.subresources.includes('status');
    let next: KubeObject & { status?: unknown };
    if (subresource === 'status') {
      // A PUT's incoming is the request's own object, handed over uncopied (updateObject): only
      // its status goes into next, copied, so a retry finds it as it came.
      const status = (incoming as { status?: unknown }).status;
      next = withStatus(old, internal.replaces ? clone(status) : status);
    } else {
      next = incoming;
      const om = old.metadata;
      next.metadata = {
        ...next.metadata,
        name,
        uid: om.uid,
        creationTimestamp: om.creationTimestamp,
        generation: om.generation,
      };
      if (def.namespaced) next.metadata.namespace = om.namespace;
      for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
        if (om[k] !== undefined) (next.metadata as Record<string, unknown>)[k] = om[k];
        else delete next.metadata[k];
      }
      // withStatus (the binding): spec and status in one write, as the apiserver's binding.
      if (hasStatus && !internal.withStatus) {
        const st = (old as { status?: unknown }).status;
        // Copied: old may be shared (the watchers'), and next goes back to the caller.
        if (st === undefined) delete next.status;
        else next.status = clone(st);
      }
    }
    // A write that does not send managedFields keeps them (upstream's fieldmanager does).
    const nextMeta = next.metadata as { managedFields?: unknown };
    const oldMeta = old.metadata as { managedFields?: unknown };
    if (nextMeta.managedFields === undefined && oldMeta.managedFields !== undefined)
      nextMeta.managedFields = clone(oldMeta.managedFields);
    def.defaults?.(next);
    def.prepareUpdate?.(next, old);
    if (internal.fieldManager && subresource !== 'status')
      recordUpdate(old, next, internal.fieldManager, ownable(def), nowTimestamp());
    // The binding subresource may set what a plain update may not (spec.nodeName).
    validateAll(def, next, internal.bypassUpdateRules ? undefined : old);
    await core.admitWrite({ core, def, obj: next, old, user: internal.user });
    // A status write carries old's spec (withStatus): no need to compare two serializations of it
    // (as upstream's status strategies, a status write never bumps generation).
    if (subresource !== 'status' && specPart(next) !== specPart(old))
      next.metadata.generation = (old.metadata.generation ?? 1) + 1;
    const stored = toStored(next);
    const value = JSON.stringify(stored);
    // Nothing to write: the caller gets its own copy of what is stored. (kv.value is the stored
    // form of old; one not as toValue writes it, from elsewhere, is rewritten once.)
    if (value === kv.value) return clone(old);
    const undo = await def.claim?.(core, next, old);
    // A claim allocates in place (a Service's NodePorts when its type becomes NodePort): what is
    // stored is next after it. The copy is the write's event object (value's parsed form).
    const claimed = def.claim ? toStored(next) : stored;
    const claimedValue = def.claim ? JSON.stringify(claimed) : value;
    const copy = clone(claimed);
    try {
      // The last finalizer of an object whose deletion is due went: remove it (upstream
      // ShouldDeleteDuringUpdate; a graceful pod deletion still waits for its agent).
      const nm = next.metadata;
      if (
        nm.deletionTimestamp &&
        nm.deletionGracePeriodSeconds === 0 &&
        !nm.finalizers?.length &&
        old.metadata.finalizers?.length
      ) {
        const gone = fromKv(await core.store.delete(key, kv.modRevision), def);
        await def.release?.(core, gone);
        return gone;
      }
      const written = asWritten(
        next,
        await writeShared(core, key, claimedValue, copy, (v) =>
          core.store.update(key, v, kv.modRevision, { endOfTurn: internal.endOfTurn }),
        ),
        def,
      );
      await def.release?.(core, old, written);
      return written;
    } catch (e) {
      await undo?.();
      if (e instanceof RevisionConflictError) {
        if (rv || attempt >= UPDATE_RETRIES) throw new ConflictError(def.resource, name, def.group);
        continue;
      }
      if (e instanceof KeyNotFoundError) throw new NotFoundError(def.resource, name, def.group);
      throw e;
    }
  }
}

export async function updateObject(
  core: ApiCore,
  def: ResourceDef,
  ns: string | undefined,
  name: string,
  body: unknown,
  subresource: string | undefined,
  opts: RequestOptions = {},
): Promise<KubeObject> {
  const obj = checkInput(def, body, opts, ns);
  if (!obj.metadata.name) obj.metadata.name = name;
  // A status write reads only the name, resourceVersion and status of what make returns (and
  // copies the status): no copy of the whole object per attempt.
  const make = subresource === 'status' ? () => obj : () => clone(obj);
  return applyUpdate(core, def, obj.metadata.namespace, name, make, subresource, {
    user: opts.user,
    fieldManager: opts.fieldManager,
    endOfTurn: opts.endOfTurn,
    replaces: true,
  });
}

export function applyPatch(type: PatchType, current: unknown, patch: unknown): unknown {
  try {
    if (type === 'json') return applyJsonPatch(current, patch);
    if (!isPlainObject(patch)) throw new Error('a merge patch must be a JSON object');
    return type === 'strategic' ? strategicMerge(current, patch) : mergePatch(current, patch);
  } catch (e) {
    throw new BadRequestError(
      `the ${type} patch could not be applied: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** Whether a patch names metadata.resourceVersion (then it is a precondition of the write). */
function patchSetsResourceVersion(type: PatchType, patch: unknown): boolean {
  if (type === 'json')
    return (
      Array.isArray(patch) && patch.some((op) => isPlainObject(op) && op.path === '/metadata/resourceVersion')
    );
  return (
    isPlainObject(patch) && isPlainObject(patch.metadata) && patch.metadata.resourceVersion !== undefined
  );
}

export async function patchObject(
  core: ApiCore,
  def: ResourceDef,
  ns: string | undefined,
  name: string,
  patch: unknown,
  type: PatchType,
  subresource: string | undefined,
  opts: RequestOptions = {},
): Promise<KubeObject> {
  if (def.namespaced && !ns) throw new BadRequestError(`a namespace is required to patch ${def.resource}`);
  // A custom resource has no Go struct to carry patch strategies: upstream serves it no
  // strategic merge patch (kubectl then sends a merge patch).
  if (def.custom && type === 'strategic')
    throw new UnsupportedMediaTypeError(
      'application/strategic-merge-patch+json',
      'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  const precondition = patchSetsResourceVersion(type, patch);
  return applyUpdate(
    core,
    def,
    ns,
    name,
    (old) => {
      const next = checkInput(def, applyPatch(type, old, clone(patch)), { ...opts, warnings: [] }, ns);
      // The current object's resourceVersion came along with it: only one the patch itself
      // sets is a precondition; otherwise a write that got in between is retried on the new
      // state, as kube-apiserver's patcher does.
      if (!precondition) delete next.metadata.resourceVersion;
      return next;
    },
    subresource,
    { user: opts.user, fieldManager: opts.fieldManager, endOfTurn: opts.endOfTurn },
  );
}
