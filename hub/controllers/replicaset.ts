// ReplicaSet controller: keeps spec.replicas active pods matching the selector, owned through
// a controller ownerReference. Adopts matching orphans, releases owned pods that stopped
// matching (claim-pods.ts, shared with StatefulSets), creates from the template (generateName
// `<rs>-`), deletes in Kubernetes' order (active-pods.ts), each told its replacement's images
// first when a Deployment rolls (successor-images.ts: pull before stop), and reports status
// (replicas, fullyLabeled, ready, available, observedGeneration; status-write.ts).
//
// Reads come from the shared informers, never a LIST: the ReplicaSet from its informer, its
// pods by the `owner-uid` index and the namespace's orphans by the `orphans` index, so a
// reconcile costs the pods of its own key (a deleted one's too: its UID is remembered,
// gone-owners.ts). The pod informer lags the controller's own writes, so creates and deletes
// set expectations (expectations.ts) first and the controller does not create or delete for a
// key again until the informer has shown them (upstream does the same).
// Creates run in slow-start batches (slow-start.ts), so many are in flight at once.
// The same controller runs core/v1 ReplicationControllers (`kind: REPLICATION_CONTROLLER_KIND`),
// as upstream's replication manager is the ReplicaSet controller over a converted view.

import type { ApiClient } from '../api/client.js';
import { isConflict, isNotFound } from '../api/errors.js';
import type { Deployment, ReplicaSet, ReplicaSetStatus } from '../../shared/api/apps.js';
import { ROLLOUT_MANAGED_ANNOTATION } from '../../shared/api/rollout.js';
import { fromLabelSelector, matches } from '../../shared/api/labels.js';
import {
  asReplicaSet,
  type ReplicaSetView as ReplicaOwner,
  type ReplicationController,
} from '../../shared/api/replication-controller.js';
import type { KubeObject } from '../../shared/api/types.js';
import type { Pod } from '../../shared/api/types.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import { INDEX_CONTROLLER_UID, INDEX_ORPHANS } from '../informers/indexes.js';
import type { ChangeType, Informer } from '../informers/informer.js';
import { isPodActive, isPodAvailable, isPodReady, msUntilAvailable, podsToDelete } from './active-pods.js';
import { claimPods } from './claim-pods.js';
import { controllerOf, keyOf, newControllerRef, splitKey } from './controller-ref.js';
import { maxSurge } from './deployment/rollout-math.js';
import { Expectations } from './expectations.js';
import { GoneOwners } from './gone-owners.js';
import { createExpected, deleteExpected, observeOwnedPod } from './expected-writes.js';
import {
  announceNextImages,
  announceOnAll,
  heldPodsOf,
  staleAnnouncements,
  withdrawNextImages,
} from './next-images.js';
import { type Controller, type Result, Runner, type RunnerOptions } from './runner.js';
import { writeStatusIfChanged } from './status-write.js';
import { successorImages } from './successor-images.js';
import { jsonClone } from '../../shared/json-clone.js';

/** Most pods created or deleted in one reconcile (upstream burstReplicas). */
export const DEFAULT_BURST_REPLICAS = 500;

/** The kind a ReplicaSetController keeps: its resource, and its objects seen as ReplicaSets. */
export interface ReplicaKind {
  resource: string;
  kind: string;
  view(o: KubeObject): ReplicaOwner;
}

export const REPLICA_SET_KIND: ReplicaKind = {
  resource: 'replicasets',
  kind: 'ReplicaSet',
  view: (o) => o as ReplicaSet,
};

export const REPLICATION_CONTROLLER_KIND: ReplicaKind = {
  resource: 'replicationcontrollers',
  kind: 'ReplicationController',
  view: (o) => asReplicaSet(o as ReplicationController),
};

export interface ReplicaSetControllerOptions {
  client: ApiClient;
  /** The kind kept; default ReplicaSet. */
  kind?: ReplicaKind;
  /** Pods created/deleted per reconcile at most; default 500. */
  burstReplicas?: number;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
  /** Unmet expectations expire after this long, ms. Default 5 min (upstream). */
  expectationsTimeoutMs?: number;
}

export function podFromTemplate(rs: ReplicaOwner): Pod {
  const t = rs.spec.template;
  const meta = t.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [newControllerRef(rs)],
    },
    spec: jsonClone(t.spec) as Pod['spec'],
  };
}

/** Status from the active pods it owns now; nextCheckMs when a ready pod turns available later. */
export function replicaSetStatus(
  rs: ReplicaOwner,
  active: Pod[],
  now: number,
): { status: ReplicaSetStatus; nextCheckMs?: number } {
  const tmplLabels = rs.spec.template.metadata?.labels ?? {};
  const minReady = rs.spec.minReadySeconds ?? 0;
  let fully = 0;
  let ready = 0;
  let available = 0;
  let next: number | undefined;
  for (const p of active) {
    const l = p.metadata.labels ?? {};
    if (Object.entries(tmplLabels).every(([k, v]) => l[k] === v)) fully++;
    if (isPodReady(p)) ready++;
    if (isPodAvailable(p, minReady, now)) available++;
    else {
      const ms = msUntilAvailable(p, minReady, now);
      if (ms !== undefined) next = Math.min(next ?? ms, ms);
    }
  }
  const status: ReplicaSetStatus = {
    replicas: active.length,
    fullyLabeledReplicas: fully,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation ?? 1,
    ...(rs.status?.conditions?.length ? { conditions: rs.status.conditions } : {}),
  };
  return { status, ...(next !== undefined ? { nextCheckMs: next + 1 } : {}) };
}

/** A ReplicaSet or ReplicationController as stored: both carry a ReplicaSet-shaped status. */
type StatusOwner = KubeObject & { status?: ReplicaSetStatus };

export class ReplicaSetController implements Controller {
  readonly name: string;
  private readonly kind: ReplicaKind;
  private readonly runner: Runner;
  private readonly log: Logger;
  private readonly burst: number;
  private readonly sets: Informer<KubeObject>;
  /** ReplicaSets only (ReplicationControllers have no Deployment). */
  private readonly deployments?: Informer<Deployment>;
  private readonly pods: Informer<Pod>;
  private readonly informers: InformerUse;
  readonly expectations: Expectations;
  /** UIDs of deleted objects whose pods are still to be released (gone-owners.ts). */
  readonly gone = new GoneOwners();

  constructor(private readonly opts: ReplicaSetControllerOptions) {
    this.kind = opts.kind ?? REPLICA_SET_KIND;
    this.name = this.kind.kind.toLowerCase();
    this.log = opts.log ?? createLogger(`controller/${this.name}`);
    this.burst = opts.burstReplicas ?? DEFAULT_BURST_REPLICAS;
    if (!Number.isInteger(this.burst) || this.burst < 1)
      throw new RangeError('burstReplicas must be an integer >= 1');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.sets = this.informers.factory.informer<KubeObject>(this.kind.resource);
    if (this.kind.kind === REPLICA_SET_KIND.kind)
      this.deployments = this.informers.factory.informer<Deployment>('deployments');
    this.pods = this.informers.factory.informer<Pod>('pods');
    this.expectations = new Expectations(opts.expectationsTimeoutMs);
  }

  /** No key queued or being reconciled (tests wait for this before asserting "nothing more"). */
  idle(): boolean {
    return this.runner.idle();
  }

  async start(): Promise<void> {
    await this.informers.watch<KubeObject>(this.kind.resource, {
      onChange: (t, rs) => {
        if (t === 'DELETED') this.gone.remember(keyOf(rs), rs.metadata.uid);
        this.runner.add(keyOf(rs));
      },
    });
    await this.informers.watch<Pod>('pods', { onChange: (t, p, old) => this.onPod(t, p, old) });
    // Read only (successor): whether a Rollout sizes the Deployment's ReplicaSets.
    if (this.deployments) await this.informers.watch<Deployment>('deployments', { onChange: () => {} });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  /** A pod changed: its controller, or for an orphan every ReplicaSet whose selector matches. */
  private onPod(type: ChangeType, p: Pod, old: Pod | undefined): void {
    const ns = p.metadata.namespace ?? '';
    observeOwnedPod(this.expectations, this.kind.kind, type, p);
    for (const o of old && old !== p ? [p, old] : [p]) {
      const ref = controllerOf(o);
      if (ref) {
        if (ref.kind !== this.kind.kind) continue;
        const key = `${ns}/${ref.name}`;
        if (!this.sets.get(key)) this.gone.remember(key, ref.uid);
        this.runner.addCoalesced(key);
        continue;
      }
      for (const obj of this.sets.inNamespace(ns)) {
        try {
          if (matches(fromLabelSelector(this.kind.view(obj).spec.selector), o.metadata.labels))
            this.runner.add(keyOf(obj));
        } catch {
          // an invalid selector never matches
        }
      }
    }
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const c = this.opts.client;
    const obj = this.sets.get(key);
    if (!obj) {
      this.expectations.delete(key);
      await this.release(key);
      return undefined;
    }
    this.gone.forget(key);
    const rs = this.kind.view(obj);
    const namespace = rs.metadata.namespace;
    const selector = fromLabelSelector(rs.spec.selector);
    const candidates = [
      ...this.pods.byIndex(INDEX_CONTROLLER_UID, rs.metadata.uid ?? ''),
      ...this.pods.byIndex(INDEX_ORPHANS, namespace ?? ''),
    ];
    const owned = await claimPods(c, rs, (p) => matches(selector, p.metadata.labels), candidates, this.log);
    const active = owned.filter(isPodActive);
    const next = rs.metadata.deletionTimestamp ? [] : this.successor(rs);
    if (rs.metadata.deletionTimestamp)
      await withdrawNextImages(c, heldPodsOf(owned, this.kind.kind, rs.metadata.name ?? ''));
    // Pull before stop follows the Deployment: a pod being replaced waits for the newest template's images.
    if (next.length)
      await announceOnAll(
        c,
        staleAnnouncements(
          owned.filter((p) => p.metadata.deletionTimestamp),
          next,
        ),
        next,
      );
    // Until the informer has shown our last creates and deletes, its count is not to be trusted.
    if (!rs.metadata.deletionTimestamp && this.expectations.satisfied(key))
      await this.manage(key, rs, active, next);
    const { status, nextCheckMs } = replicaSetStatus(rs, active, Date.now());
    const wrote = await writeStatusIfChanged(c, this.kind.resource, obj as StatusOwner, status);
    if (wrote === 'conflict') return { requeue: true };
    if (wrote === 'gone') return undefined;
    return nextCheckMs !== undefined ? { requeueAfterMs: nextCheckMs } : undefined;
  }

  /** The object is gone: its pods waiting for a replacement's images stop waiting, none will come. */
  private async release(key: string): Promise<void> {
    const held = heldPodsOf(this.gone.podsOf(key, this.pods), this.kind.kind, splitKey(key).name);
    await withdrawNextImages(this.opts.client, held);
    this.gone.forget(key);
  }

  /**
   * A Deployment's ReplicaSet: the images of its newest sibling (successor-images.ts); else
   * none. Only for a RollingUpdate without surge, where an old pod goes before its
   * replacement comes (with surge the new pod pulls while the old one serves). Not under a
   * Rollout: it sizes the ReplicaSets, and the write before each delete would let the new
   * ReplicaSet's pods come first.
   */
  private successor(rs: ReplicaOwner): string[] {
    const ref = controllerOf(rs);
    if (ref?.kind !== 'Deployment') return [];
    const d = this.deployments?.get(`${rs.metadata.namespace ?? ''}/${ref.name}`);
    if (!d || d.metadata.uid !== ref.uid || d.metadata.annotations?.[ROLLOUT_MANAGED_ANNOTATION]) return [];
    if ((d.spec.strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate' || maxSurge(d) > 0) return [];
    return successorImages(rs, this.sets.byIndex(INDEX_CONTROLLER_UID, ref.uid).map(this.kind.view));
  }

  /**
   * Creates or deletes pods so that active.length becomes spec.replicas; edits active in place.
   * Expectations are set before the writes; a write that fails is marked observed at once (its
   * pod will never show), as upstream does.
   */
  private async manage(key: string, rs: ReplicaOwner, active: Pod[], next: string[]): Promise<void> {
    const c = this.opts.client;
    const want = rs.spec.replicas ?? 1;
    const diff = active.length - want;
    if (diff < 0) {
      const n = Math.min(-diff, this.burst);
      const created = await createExpected(this.expectations, key, n, async () => {
        active.push(await c.create<Pod>('pods', rs.metadata.namespace, podFromTemplate(rs)));
      });
      this.log.info('created pods', { rs: key, count: created });
    } else if (diff > 0) {
      const victims = podsToDelete(active, Math.min(diff, this.burst));
      await deleteExpected(
        this.expectations,
        key,
        victims,
        async (p) => {
          await announceNextImages(c, p, next);
          await c.delete('pods', p.metadata.namespace, p.metadata.name ?? '', {
            preconditions: { uid: p.metadata.uid },
          });
        },
        // Gone already, or replaced by a pod of the same name: nothing of ours left to delete.
        (e) => isConflict(e) || isNotFound(e),
      );
      for (const p of victims) active.splice(active.indexOf(p), 1);
      this.log.info('deleted pods', { rs: key, pods: victims.map((p) => p.metadata.name) });
    }
  }
}
