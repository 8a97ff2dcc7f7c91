// Serves the kinds CustomResourceDefinitions define, on every API server (upstream runs these
// controllers in each apiextensions-apiserver): it follows the CRDs in the store and, per CRD,
//   names     -> NamesAccepted (a kind or short name another CRD of the group holds, or a
//                built-in resource of the same group/version, is refused: upstream's naming
//                controller);
//   accepted  -> its served versions added to the registry (discovery, routes, OpenAPI) and
//                Established, as upstream's establishing controller;
//   deleting  -> Terminating; its objects deleted through the verbs (their own finalizers
//                honoured), then the cleanup finalizer removed (upstream's finalizer controller).
// Several hubs compute the same status; a write that changes nothing is not made.

import {
  CRD_CLEANUP_FINALIZER,
  type CustomResourceDefinition,
  type CustomResourceDefinitionCondition,
} from '../../../shared/api/crd.js';
import type { Logger } from '../../../shared/log.js';
import { Runner } from '../../controllers/runner.js';
import type { Watcher } from '../../store/store.js';
import type { ApiCore } from '../core.js';
import { canonicalJson, fromKv, nowTimestamp, storeKey } from '../meta.js';
import { deleteObject } from '../ops/delete.js';
import { listObjects } from '../ops/read.js';
import { applyUpdate } from '../ops/write.js';
import type { ResourceDef } from '../resource.js';
import { customresourcedefinitions as crdDef } from '../resources/customresourcedefinitions.js';
import { customResourceDef, servedDefs } from './custom-resource.js';

/** How soon a terminating CRD looks again at objects that are still finalizing, ms. */
export const CLEANUP_RECHECK_MS = 1000;

const PREFIX = `/registry/${crdDef.resource}/`;

interface Served {
  uid: string;
  generation: number;
  defs: ResourceDef[];
}

type Condition = CustomResourceDefinitionCondition;

function condition(type: Condition['type'], ok: boolean, reason: string, message: string): Condition {
  return { type, status: ok ? 'True' : 'False', reason, message };
}

/** The conditions as they should be, keeping each unchanged one's lastTransitionTime. */
function withTimes(want: Condition[], had: Condition[] | undefined): Condition[] {
  return want.map((c) => {
    const h = had?.find((x) => x.type === c.type);
    return { ...c, lastTransitionTime: h && h.status === c.status ? h.lastTransitionTime : nowTimestamp() };
  });
}

export class CrdRegistrar {
  private readonly served = new Map<string, Served>();
  private readonly runner: Runner;
  private watcher?: Watcher;
  private stopped = false;

  constructor(
    private readonly core: ApiCore,
    private readonly log: Logger,
  ) {
    this.runner = new Runner(
      { name: 'customresourcedefinitions', reconcile: (k) => this.reconcile(k) },
      { log },
    );
  }

  /** Serves the CRDs stored now before resolving (a restarted hub answers for them at once), then follows changes. */
  async start(): Promise<void> {
    const page = await this.core.store.list(PREFIX);
    for (const kv of page.items) {
      const name = kv.key.slice(PREFIX.length);
      // One CRD that cannot be served (a schema this build refuses) must not keep the hub down:
      // it is retried by the runner with backoff, and logged.
      await this.reconcile(name).catch((e: unknown) => {
        this.log.warn('custom resource not served yet', { crd: name, err: String(e) });
        this.runner.add(name);
      });
    }
    this.runner.start();
    await this.follow(page.revision);
  }

  private async follow(afterRevision: number): Promise<void> {
    this.watcher = await this.core.store.watch(
      PREFIX,
      (ev) => this.runner.add(ev.kv.key.slice(PREFIX.length)),
      {
        afterRevision,
        // Fell behind or compacted: look at every CRD again from a fresh list.
        onEnd: () => {
          if (this.stopped) return;
          void this.resync().catch((e: unknown) => this.log.warn('CRD resync failed', { err: String(e) }));
        },
      },
    );
  }

  private async resync(): Promise<void> {
    const page = await this.core.store.list(PREFIX);
    for (const name of new Set([
      ...this.served.keys(),
      ...page.items.map((kv) => kv.key.slice(PREFIX.length)),
    ]))
      this.runner.add(name);
    await this.follow(page.revision);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    await this.runner.stop();
  }

  async reconcile(name: string): Promise<{ requeueAfterMs: number } | undefined> {
    const kv = await this.core.store.get(storeKey(crdDef, undefined, name));
    if (!kv) {
      this.unserve(name);
      return undefined;
    }
    const crd = fromKv(kv, crdDef) as CustomResourceDefinition;
    if (crd.metadata.deletionTimestamp) return this.cleanup(crd);
    const conflict = this.conflict(crd);
    if (conflict) this.unserve(name);
    else this.serve(crd);
    const names = { ...crd.spec.names };
    const storage = crd.spec.versions.find((v) => v.storage)?.name;
    await this.writeStatus(crd, {
      conditions: withTimes(
        conflict
          ? [
              condition('NamesAccepted', false, conflict.reason, conflict.message),
              condition('Established', false, 'NotAccepted', 'not all names are accepted'),
            ]
          : [
              condition('NamesAccepted', true, 'NoConflicts', 'no conflicts found'),
              condition('Established', true, 'InitialNamesAccepted', 'the initial names have been accepted'),
            ],
        crd.status?.conditions,
      ),
      acceptedNames: conflict ? (crd.status?.acceptedNames ?? { plural: '', kind: '' }) : names,
      storedVersions: [...new Set([...(crd.status?.storedVersions ?? []), ...(storage ? [storage] : [])])],
    });
    return undefined;
  }

  /** Why crd's names cannot be served, or undefined. */
  private conflict(crd: CustomResourceDefinition): { reason: string; message: string } | undefined {
    const { group, names } = crd.spec;
    const mine = crd.metadata.name;
    for (const d of this.core.registry.all()) {
      if (d.group !== group || d.custom?.crd === mine) continue;
      if (!d.custom && d.resource === names.plural)
        return { reason: 'ResourceConflict', message: `"${names.plural}" is already served by the hub` };
      if (d.kind === names.kind)
        return { reason: 'KindConflict', message: `"${names.kind}" is already in use` };
      const taken = new Set([d.resource, d.singular, ...(d.shortNames ?? [])]);
      const clash = (names.shortNames ?? []).find((s) => taken.has(s));
      if (clash) return { reason: 'ShortNamesConflict', message: `"${clash}" is already in use` };
    }
    return undefined;
  }

  private serve(crd: CustomResourceDefinition): void {
    const name = crd.metadata.name ?? '';
    const had = this.served.get(name);
    const generation = crd.metadata.generation ?? 1;
    if (had && had.uid === crd.metadata.uid && had.generation === generation) return;
    const defs = servedDefs(crd);
    this.unserve(name);
    for (const d of defs) this.core.registry.add(d);
    this.served.set(name, { uid: crd.metadata.uid ?? '', generation, defs });
    this.log.info('serving custom resource', { crd: name, versions: defs.map((d) => d.version) });
  }

  private unserve(name: string): void {
    const had = this.served.get(name);
    if (!had) return;
    for (const d of had.defs) this.core.registry.remove(d);
    this.served.delete(name);
    this.log.info('stopped serving custom resource', { crd: name });
  }

  private async writeStatus(
    crd: CustomResourceDefinition,
    status: CustomResourceDefinition['status'],
  ): Promise<void> {
    if (canonicalJson(status) === canonicalJson(crd.status ?? {})) return;
    await applyUpdate(
      this.core,
      crdDef,
      undefined,
      crd.metadata.name ?? '',
      (old) => ({ ...old, status }),
      'status',
    );
  }

  /** Deletes crd's objects; when none is left, removes the cleanup finalizer (the store then drops the CRD). */
  private async cleanup(crd: CustomResourceDefinition): Promise<{ requeueAfterMs: number } | undefined> {
    const name = crd.metadata.name ?? '';
    if (!crd.metadata.finalizers?.includes(CRD_CLEANUP_FINALIZER)) return undefined;
    const had = crd.status?.conditions ?? [];
    await this.writeStatus(crd, {
      ...crd.status,
      conditions: withTimes(
        [
          ...had.filter((c) => c.type !== 'Terminating'),
          condition(
            'Terminating',
            true,
            'InstanceDeletionInProgress',
            'CustomResource deletion is in progress',
          ),
        ],
        had,
      ),
    });
    const defs = this.served.get(name)?.defs ?? [];
    for (const d of defs) if (d.custom) d.custom.terminating = true;
    const storage = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
    const def = defs[0] ?? customResourceDef(crd, storage);
    const left = await listObjects(this.core, def, undefined);
    for (const o of left.items) {
      try {
        await deleteObject(this.core, def, o.metadata.namespace, o.metadata.name ?? '');
      } catch (e) {
        if ((e as { code?: number }).code !== 404) throw e;
      }
    }
    if ((await listObjects(this.core, def, undefined, { limit: 1 })).items.length > 0)
      return { requeueAfterMs: CLEANUP_RECHECK_MS };
    this.unserve(name);
    await applyUpdate(this.core, crdDef, undefined, name, (old) => ({
      ...old,
      metadata: {
        ...old.metadata,
        finalizers: (old.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER),
      },
    }));
    return undefined;
  }
}
