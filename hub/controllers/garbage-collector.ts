// Garbage collector (Kubernetes' garbagecollector, by ownerReferences). Two kinds of work:
//   dependent check  "d/<resource>/<ns>/<name>": every owner gone (404 or another uid) ->
//     delete the dependent (background cascade); some gone -> drop those references; every
//     remaining owner deleting in the foreground -> delete the dependent too
//   owner finalizers "o/<resource>/<ns>/<name>": an owner being deleted with
//     `orphan` -> remove its reference from every dependent, then the finalizer;
//     `foregroundDeletion` -> delete the dependents, remove the finalizer once no dependent
//     with blockOwnerDeletion is left (the API then removes the owner).
// Watches of the kinds that can own or be owned feed both; an owner's deletion re-checks the
// dependents indexed under its uid. Level-based: every check re-reads through the API; an
// owner's dependents come from the shared informers' `owner-uids` index (no LIST), as
// upstream's collector reads its graph built from informers. A new dependent whose every owner
// is in the cache with its uid and not being deleted is not checked (upstream checks only the
// owners missing from its graph): the check would read it and its owners to find them present
// (two store reads per pod a controller makes). Should such an owner go, its DELETED event
// re-checks the dependent (the index holds it already, whichever event comes first).

import type { ApiClient, DeleteOptions } from '../api/client.js';
import { isNotFound } from '../api/errors.js';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN } from '../api/ops/delete.js';
import type { KubeObject, OwnerReference } from '../../shared/api/types.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import { INDEX_OWNER_UIDS } from '../informers/indexes.js';
import { type Controller, type Result, Runner, type RunnerOptions } from './runner.js';

export interface GcResource {
  /** Plural, as ApiClient names it. */
  resource: string;
  kind: string;
  namespaced: boolean;
}

/** Kinds that own or are owned in Drover. A missing kind (API not served) is skipped. */
export const DEFAULT_GC_RESOURCES: readonly GcResource[] = [
  { resource: 'pods', kind: 'Pod', namespaced: true },
  { resource: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  { resource: 'replicationcontrollers', kind: 'ReplicationController', namespaced: true },
  { resource: 'deployments', kind: 'Deployment', namespaced: true },
  { resource: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { resource: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  { resource: 'controllerrevisions', kind: 'ControllerRevision', namespaced: true },
  { resource: 'jobs', kind: 'Job', namespaced: true },
  { resource: 'cronjobs', kind: 'CronJob', namespaced: true },
  { resource: 'services', kind: 'Service', namespaced: true },
  { resource: 'endpointslices', kind: 'EndpointSlice', namespaced: true },
  { resource: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { resource: 'secrets', kind: 'Secret', namespaced: true },
  { resource: 'nodes', kind: 'Node', namespaced: false },
];

/** Re-check of an owner waiting in the foreground for blocking dependents, ms. */
export const DEFAULT_FOREGROUND_RECHECK_MS = 1000;

export interface GarbageCollectorOptions {
  client: ApiClient;
  resources?: readonly GcResource[];
  /** Default DEFAULT_FOREGROUND_RECHECK_MS. */
  foregroundRecheckMs?: number;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
}

interface Loc {
  res: GcResource;
  ns: string;
  name: string;
}

const hasFinalizer = (o: KubeObject, f: string) => (o.metadata.finalizers ?? []).includes(f);

export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector';
  private readonly log: Logger;
  private readonly runner: Runner;
  private readonly resources: readonly GcResource[];
  private readonly byResource = new Map<string, GcResource>();
  private readonly byKind = new Map<string, GcResource>();
  /** Served kinds (those whose watch started). */
  private readonly served: GcResource[] = [];
  private readonly informers: InformerUse;
  private readonly recheckMs: number;

  constructor(private readonly opts: GarbageCollectorOptions) {
    this.log = opts.log ?? createLogger('controller/garbage-collector');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.resources = opts.resources ?? DEFAULT_GC_RESOURCES;
    this.recheckMs = opts.foregroundRecheckMs ?? DEFAULT_FOREGROUND_RECHECK_MS;
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    for (const r of this.resources) {
      this.byResource.set(r.resource, r);
      this.byKind.set(r.kind, r);
    }
  }

  async start(): Promise<void> {
    for (const res of this.resources) {
      try {
        await this.informers.watch<KubeObject>(res.resource, {
          onChange: (type, o, old) => this.observe(res, type, o, old),
        });
      } catch (e) {
        if (!isNotFound(e)) throw e;
        this.log.info('kind not served; not collected', { resource: res.resource });
        continue;
      }
      this.served.push(res);
    }
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  /**
   * Dependents are found through the informers' `owner-uids` index, not a graph of our own:
   * the index holds the same edges, and a second copy cost a key string, an owner array and a
   * set entry per owned object (every pod of the fleet). `old` is the object held before.
   */
  private observe(
    res: GcResource,
    type: 'ADDED' | 'MODIFIED' | 'DELETED',
    o: KubeObject,
    old: KubeObject | undefined,
  ): void {
    const ns = o.metadata.namespace ?? '';
    const name = o.metadata.name ?? '';
    const key = `${res.resource}/${ns}/${name}`;
    const refs = o.metadata.ownerReferences ?? [];
    if (type === 'DELETED') {
      for (const d of this.dependentKeys(o.metadata.uid ?? '')) this.runner.add(`d/${d}`);
      // An owner waiting in the foreground may now be free to go.
      for (const r of refs) {
        const or = this.byKind.get(r.kind);
        if (or) this.runner.add(`o/${or.resource}/${or.namespaced ? ns : ''}/${r.name}`);
      }
      return;
    }
    const uids = refs.map((r) => r.uid);
    const prev = (old?.metadata.ownerReferences ?? []).map((r) => r.uid);
    if (uids.length && (type === 'ADDED' || uids.join() !== prev.join()) && !this.ownersHeld(refs, ns))
      this.runner.add(`d/${key}`);
    if (o.metadata.deletionTimestamp) {
      if (hasFinalizer(o, FINALIZER_ORPHAN) || hasFinalizer(o, FINALIZER_FOREGROUND))
        this.runner.add(`o/${key}`);
      // Dependents of an owner going away in the foreground are deleted too.
      if (hasFinalizer(o, FINALIZER_FOREGROUND))
        for (const d of this.dependentKeys(o.metadata.uid ?? '')) this.runner.add(`d/${d}`);
    }
  }

  /**
   * Whether every owner in refs is a cached object with that uid, not being deleted: then a
   * dependent check would find each one present and change nothing.
   */
  private ownersHeld(refs: readonly OwnerReference[], ns: string): boolean {
    for (const r of refs) {
      const res = this.byKind.get(r.kind);
      if (!res || !this.served.includes(res)) return false;
      const owner = this.informers.factory
        .informer<KubeObject>(res.resource)
        .get(`${res.namespaced ? ns : ''}/${r.name}`);
      if (!owner || owner.metadata.uid !== r.uid || owner.metadata.deletionTimestamp) return false;
    }
    return true;
  }

  /** Keys ("<resource>/<ns>/<name>") of the cached objects that list uid among their owners. */
  private dependentKeys(uid: string): string[] {
    const out: string[] = [];
    if (!uid) return out;
    for (const res of this.served)
      for (const d of this.informers.factory.byIndex<KubeObject>(res.resource, INDEX_OWNER_UIDS, uid))
        out.push(`${res.resource}/${d.metadata.namespace ?? ''}/${d.metadata.name ?? ''}`);
    return out;
  }

  /** Whether any cached object lists uid among its owners. */
  private hasDependents(uid: string): boolean {
    if (!uid) return false;
    for (const res of this.served)
      if (this.informers.factory.byIndex<KubeObject>(res.resource, INDEX_OWNER_UIDS, uid).length) return true;
    return false;
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const [kind, resource, ns, name] = key.split('/');
    const res = this.byResource.get(resource ?? '');
    if (!res || name === undefined) return undefined;
    const loc: Loc = { res, ns: ns ?? '', name };
    return kind === 'd' ? this.checkDependent(loc) : this.processOwner(loc);
  }

  private async get(loc: Loc): Promise<KubeObject | undefined> {
    try {
      return await this.opts.client.get<KubeObject>(loc.res.resource, loc.ns || undefined, loc.name);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** 'absent', 'foreground' (owner deleting, waiting for its dependents), 'present' or 'unknown' kind. */
  private async ownerState(ref: OwnerReference, ns: string): Promise<'absent' | 'foreground' | 'present'> {
    const res = this.byKind.get(ref.kind);
    // A kind we do not know cannot be verified: never delete on its account.
    if (!res) return 'present';
    const o = await this.get({ res, ns: res.namespaced ? ns : '', name: ref.name });
    if (!o || o.metadata.uid !== ref.uid) return 'absent';
    if (o.metadata.deletionTimestamp && hasFinalizer(o, FINALIZER_FOREGROUND)) return 'foreground';
    return 'present';
  }

  private async checkDependent(loc: Loc): Promise<Result | undefined> {
    const dep = await this.get(loc);
    const refs = dep?.metadata.ownerReferences ?? [];
    if (!dep || refs.length === 0) return undefined;
    const states = await Promise.all(refs.map((r) => this.ownerState(r, loc.ns)));
    const absent = refs.filter((_, i) => states[i] === 'absent');
    if (states.every((s) => s === 'absent')) {
      this.log.info('deleting dependent: owners gone', {
        object: `${loc.res.resource}/${loc.ns}/${loc.name}`,
      });
      await this.deleteDependent(loc, dep, 'Background');
      return undefined;
    }
    if (states.every((s) => s !== 'present')) {
      if (!dep.metadata.deletionTimestamp) {
        const policy = this.hasDependents(dep.metadata.uid ?? '') ? 'Foreground' : 'Background';
        await this.deleteDependent(loc, dep, policy);
      }
      return undefined;
    }
    if (absent.length) {
      const gone = new Set(absent.map((r) => r.uid));
      await this.opts.client.update(loc.res.resource, loc.ns || undefined, {
        ...dep,
        metadata: { ...dep.metadata, ownerReferences: refs.filter((r) => !gone.has(r.uid)) },
      });
    }
    return undefined;
  }

  private async deleteDependent(loc: Loc, dep: KubeObject, policy: DeleteOptions['propagationPolicy']) {
    try {
      await this.opts.client.delete(loc.res.resource, loc.ns || undefined, loc.name, {
        propagationPolicy: policy,
        preconditions: { uid: dep.metadata.uid },
      });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** The cached objects referencing uid (namespaced owners: only their namespace). */
  private async listDependents(owner: Loc, uid: string): Promise<{ loc: Loc; obj: KubeObject }[]> {
    const out: { loc: Loc; obj: KubeObject }[] = [];
    for (const res of this.served) {
      if (owner.res.namespaced && !res.namespaced) continue;
      for (const obj of this.informers.factory.byIndex<KubeObject>(res.resource, INDEX_OWNER_UIDS, uid)) {
        if (owner.res.namespaced && (obj.metadata.namespace ?? '') !== owner.ns) continue;
        out.push({ loc: { res, ns: obj.metadata.namespace ?? '', name: obj.metadata.name ?? '' }, obj });
      }
    }
    return out;
  }

  private async processOwner(loc: Loc): Promise<Result | undefined> {
    let owner = await this.get(loc);
    if (!owner?.metadata.deletionTimestamp) return undefined;
    const uid = owner.metadata.uid ?? '';
    if (hasFinalizer(owner, FINALIZER_ORPHAN)) {
      for (const d of await this.listDependents(loc, uid)) {
        const refs = (d.obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
        await this.opts.client.update(d.loc.res.resource, d.loc.ns || undefined, {
          ...d.obj,
          metadata: { ...d.obj.metadata, ownerReferences: refs },
        });
      }
      owner = await this.removeFinalizer(loc, owner, FINALIZER_ORPHAN);
      if (!owner) return undefined;
    }
    if (hasFinalizer(owner, FINALIZER_FOREGROUND)) {
      const deps = await this.listDependents(loc, uid);
      for (const d of deps) {
        if (d.obj.metadata.deletionTimestamp) continue;
        const policy = this.hasDependents(d.obj.metadata.uid ?? '') ? 'Foreground' : 'Background';
        await this.deleteDependent(d.loc, d.obj, policy);
      }
      const blocking = deps.filter((d) =>
        (d.obj.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion),
      );
      // Deleted dependents may be gone already; re-list rather than trust the snapshot.
      const left = blocking.length ? await this.listDependents(loc, uid) : [];
      if (
        left.some((d) =>
          (d.obj.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion),
        )
      )
        return { requeueAfterMs: this.recheckMs };
      await this.removeFinalizer(loc, owner, FINALIZER_FOREGROUND);
    }
    return undefined;
  }

  /** Removes finalizer f; returns the object, or undefined when that was its last and it went. */
  private async removeFinalizer(loc: Loc, o: KubeObject, f: string): Promise<KubeObject | undefined> {
    const finalizers = (o.metadata.finalizers ?? []).filter((x) => x !== f);
    const next = await this.opts.client.update(loc.res.resource, loc.ns || undefined, {
      ...o,
      metadata: { ...o.metadata, finalizers },
    });
    return finalizers.length ? next : undefined;
  }
}
