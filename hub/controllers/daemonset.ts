// DaemonSet controller: one pod on every node that matches the DaemonSet's nodeSelector and
// required node affinity and tolerates its taints (daemonset/placement.ts). Pods are pinned
// by node affinity and bound by the scheduler; they carry a controller ownerReference and the
// `controller-revision-hash` label of the template they were made from. Per reconcile:
//   failed daemon pods are deleted (to be recreated); nodes that stopped matching lose their
//   pod; a node with several keeps the oldest; pods for deleted nodes go; nodes without one
//   get one (not while an old one is still terminating: a daemon often holds a host port);
//   when nothing else changed, RollingUpdate replaces old pods maxUnavailable at a time,
//   each first told the new template's images (pull before stop, #18)
//   (OnDelete: only pods deleted by the user are replaced with the new template);
//   drover.io/pre-pull is passed on to every running pod (pull ahead); status.
// The hash label tells old from new pods; ControllerRevisions keep the history for
// `kubectl rollout history|undo ds` (daemonset/history.ts).
// Reads come from the shared informers (the DaemonSet; its pods by the `owner-uid` index, also
// once it is gone, by its remembered UID: gone-owners.ts; the nodes), with expectations
// (expectations.ts) over the creates and deletes, as for ReplicaSets.

import type { ApiClient } from '../api/client.js';
import { isNotFound } from '../api/errors.js';
import { writeStatusIfChanged } from './status-write.js';
import type { EventRecorder } from '../events/recorder.js';
import type { ControllerRevision, DaemonSet } from '../../shared/api/apps.js';
import { nextImagesOf, podSpecImages } from '../../shared/api/next-images.js';
import { prePullImages } from '../../shared/api/pre-pull.js';
import type { Node, Pod } from '../../shared/api/types.js';
import { createLogger, type Logger } from '../../shared/log.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import { INDEX_CONTROLLER_UID } from '../informers/indexes.js';
import type { ChangeType, Informer } from '../informers/informer.js';
import { isPodAvailable, msUntilAvailable } from './active-pods.js';
import { controllerOf, keyOf, splitKey } from './controller-ref.js';
import { syncHistory } from './daemonset/history.js';
import {
  newDaemonPod,
  type Placement,
  placement,
  REVISION_HASH_LABEL,
  targetNode,
  templatePod,
} from './daemonset/placement.js';
import {
  dsMaxSurge,
  dsMaxUnavailable,
  isUpdated,
  rollingUpdateDeletions,
  surgeUpdate,
} from './daemonset/rolling-update.js';
import { daemonSetStatus, type NodeState } from './daemonset/status.js';
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
import { computeHash } from './pod-template-hash.js';
import { type Controller, type Result, Runner, type RunnerOptions } from './runner.js';

export interface DaemonSetControllerOptions {
  client: ApiClient;
  recorder?: EventRecorder;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
  /** Unmet expectations expire after this long, ms. Default 5 min (upstream). */
  expectationsTimeoutMs?: number;
}

const created = (p: Pod) => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
const NO_PODS: readonly Pod[] = Object.freeze([]);

export class DaemonSetController implements Controller {
  readonly name = 'daemonset';
  private readonly runner: Runner;
  private readonly log: Logger;
  private readonly sets: Informer<DaemonSet>;
  private readonly nodes: Informer<Node>;
  private readonly pods: Informer<Pod>;
  private readonly revisions: Informer<ControllerRevision>;
  private readonly informers: InformerUse;
  readonly expectations: Expectations;
  /** UIDs of deleted DaemonSets whose pods are still to be released (gone-owners.ts). */
  readonly gone = new GoneOwners();
  /** Per DaemonSet key: its template (by hash) and where it belongs on each node object seen. */
  private readonly placementCache = new Map<
    string,
    { hash: string; tmpl: Pod; byNode: WeakMap<Node, Placement> }
  >();

  constructor(private readonly opts: DaemonSetControllerOptions) {
    this.log = opts.log ?? createLogger('controller/daemonset');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.sets = this.informers.factory.informer<DaemonSet>('daemonsets');
    this.nodes = this.informers.factory.informer<Node>('nodes');
    this.pods = this.informers.factory.informer<Pod>('pods');
    this.revisions = this.informers.factory.informer<ControllerRevision>('controllerrevisions');
    this.expectations = new Expectations(opts.expectationsTimeoutMs);
  }

  /** No key queued or being reconciled. */
  idle(): boolean {
    return this.runner.idle();
  }

  async start(): Promise<void> {
    await this.informers.watch<DaemonSet>('daemonsets', {
      onChange: (t, ds) => {
        if (t === 'DELETED') this.gone.remember(keyOf(ds), ds.metadata.uid);
        this.runner.add(keyOf(ds));
      },
    });
    await this.informers.watch<Node>('nodes', { onChange: (t, n, old) => this.onNode(t, n, old) });
    await this.informers.watch<Pod>('pods', { onChange: (t, p) => this.onPod(t, p) });
    await this.informers.watch<ControllerRevision>('controllerrevisions', {
      onChange: (_t, r) => {
        const ref = controllerOf(r);
        if (ref?.kind === 'DaemonSet') this.runner.addCoalesced(`${r.metadata.namespace ?? ''}/${ref.name}`);
      },
    });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  private onNode(type: ChangeType, n: Node, old: Node | undefined): void {
    // Only what placement reads matters: labels, taints, existence.
    const sig = (x: Node | undefined) => JSON.stringify([x?.metadata.labels, x?.spec.taints]);
    if (type === 'MODIFIED' && sig(n) === sig(old)) return;
    for (const ds of this.sets.list()) this.runner.add(keyOf(ds));
  }

  private onPod(type: ChangeType, p: Pod): void {
    const key = observeOwnedPod(this.expectations, 'DaemonSet', type, p);
    if (!key) return;
    if (!this.sets.get(key)) this.gone.remember(key, controllerOf(p)?.uid);
    this.runner.addCoalesced(key);
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const ds = this.sets.get(key);
    if (!ds) {
      this.expectations.delete(key);
      this.placementCache.delete(key);
      await this.release(key);
      return undefined;
    }
    this.gone.forget(key);
    const hash = computeHash(ds.spec.template, ds.status?.collisionCount);
    const owned = this.pods.byIndex(INDEX_CONTROLLER_UID, ds.metadata.uid ?? '');
    const nodes = this.nodes.list();
    const places = this.placements(key, ds, hash);
    const toDelete: Pod[] = [];
    const terminatingOn = new Set<string>();
    const terminating: Pod[] = [];
    const podsOn = new Map<string, Pod[]>();
    for (const p of owned) {
      const node = targetNode(p);
      if (p.metadata.deletionTimestamp) {
        if (node) terminatingOn.add(node);
        terminating.push(p);
        continue;
      }
      if (p.status?.phase === 'Failed' || !node || !this.nodes.get(`/${node}`)) {
        toDelete.push(p);
        continue;
      }
      const list = podsOn.get(node) ?? [];
      list.push(p);
      podsOn.set(node, list);
    }
    const strategy = ds.spec.updateStrategy;
    const surge = strategy?.type !== 'OnDelete' && dsMaxSurge(strategy?.rollingUpdate?.maxSurge, 1) > 0;
    const states = new Map<string, NodeState>();
    const toCreate: string[] = [];
    let outdated = false;
    // Every node, on every reconcile (a board's pod change brings one, coalesced): the common
    // case of a node with at most one pod allocates nothing but its state.
    for (const n of nodes) {
      const nodeName = n.metadata.name ?? '';
      const on = podsOn.get(nodeName);
      const pods = on ? (on.length > 1 ? on.sort((a, b) => created(a) - created(b)) : on) : NO_PODS;
      const where = places(n);
      if (!where.shouldContinueRunning) {
        toDelete.push(...pods);
        states.set(nodeName, { shouldRun: false, pods: [] });
        continue;
      }
      // Keep the oldest; while surging, also the newest pod of the current template.
      let keep: Pod[];
      if (pods.length <= 1) keep = pods as Pod[];
      else {
        const fresh = surge ? pods.filter((p) => isUpdated(p, hash)) : [];
        keep =
          surge && fresh.length && !isUpdated(pods[0], hash)
            ? [pods[0], fresh[fresh.length - 1]]
            : pods.slice(0, 1);
        toDelete.push(...pods.filter((p) => !keep.includes(p)));
      }
      if (where.shouldRun && !outdated) for (const p of keep) if (!isUpdated(p, hash)) outdated = true;
      states.set(nodeName, { shouldRun: where.shouldRun, pods: keep });
      if (where.shouldRun && keep.length === 0 && !terminatingOn.has(nodeName)) toCreate.push(nodeName);
    }
    const deleting = ds.metadata.deletionTimestamp !== undefined;
    if (!deleting) {
      await this.syncHistory(ds, hash, owned);
      await this.announce(ds, terminating, states);
    } else
      await withdrawNextImages(
        this.opts.client,
        terminating.filter((p) => nextImagesOf(p).length),
      );
    // Until the informer has shown our last creates and deletes, its view is not to be trusted.
    if (!deleting && this.expectations.satisfied(key)) {
      await this.createPods(key, ds, toCreate, hash);
      await this.deletePods(key, ds, toDelete, 'no longer belongs on its node');
      // Every pod of the current template: nothing to roll (a plan over every node would be empty).
      if (
        outdated &&
        toCreate.length === 0 &&
        toDelete.length === 0 &&
        ds.spec.updateStrategy?.type !== 'OnDelete'
      )
        await this.rollingUpdate(key, ds, states, hash);
    }
    return this.writeStatus(ds, states, hash);
  }

  /**
   * Where the DaemonSet's pods belong, per node: placement() of its template, remembered per
   * node object (the informer replaces a node's object when it changes, so a new object is a
   * new answer) for as long as the template (hash) stays. A reconcile visits every node; at
   * 10,000 boards it ran this for all of them on each pod event's coalesced reconcile.
   */
  private placements(key: string, ds: DaemonSet, hash: string): (n: Node) => Placement {
    let held = this.placementCache.get(key);
    if (held?.hash !== hash) {
      held = { hash, tmpl: templatePod(ds), byNode: new WeakMap() };
      this.placementCache.set(key, held);
    }
    const { tmpl, byNode } = held;
    return (n) => {
      let where = byNode.get(n);
      if (!where) {
        where = placement(tmpl, n);
        byNode.set(n, where);
      }
      return where;
    };
  }

  /**
   * Pull before stop follows the template: a pod waiting for images the template no longer
   * names (changed, or reverted after a failed pull) is told the template's. Pre-pull: every
   * running pod is told the images drover.io/pre-pull asks for; once it asks no more, a
   * running pod told other images than the template's is told nothing (an announcement of
   * the template's images may be a replacement's, made just before its delete).
   */
  private async announce(ds: DaemonSet, terminating: Pod[], states: Map<string, NodeState>): Promise<void> {
    const c = this.opts.client;
    const images = podSpecImages(ds.spec.template.spec);
    await announceOnAll(c, staleAnnouncements(terminating, images), images);
    const running = [...states.values()].flatMap((s) => s.pods);
    const ahead = prePullImages(ds);
    if (ahead.length) await announceOnAll(c, running, ahead);
    else await withdrawNextImages(c, staleAnnouncements(running, images));
  }

  /** The DaemonSet is gone: its pods waiting for a replacement's images stop waiting. */
  private async release(key: string): Promise<void> {
    const held = heldPodsOf(this.gone.podsOf(key, this.pods), 'DaemonSet', splitKey(key).name);
    await withdrawNextImages(this.opts.client, held);
    this.gone.forget(key);
  }

  /** The template's ControllerRevision and the history's limit (daemonset/history.ts). */
  private async syncHistory(ds: DaemonSet, hash: string, pods: Pod[]): Promise<void> {
    const owned = this.revisions.byIndex(INDEX_CONTROLLER_UID, ds.metadata.uid ?? '');
    const live = new Set(pods.map((p) => p.metadata.labels?.[REVISION_HASH_LABEL] ?? ''));
    await syncHistory(this.opts.client, ds, hash, owned, live);
  }

  /** Creates daemon pods for nodes in slow-start batches, with expectations set first. */
  private async createPods(key: string, ds: DaemonSet, nodes: string[], hash: string): Promise<void> {
    await createExpected(this.expectations, key, nodes.length, (i) => this.createPod(ds, nodes[i], hash));
  }

  private async deletePods(
    key: string,
    ds: DaemonSet,
    pods: Pod[],
    why: string,
    nextImages: string[] = [],
  ): Promise<void> {
    await deleteExpected(this.expectations, key, pods, (p) => this.deletePod(ds, p, why, nextImages));
  }

  private async rollingUpdate(
    key: string,
    ds: DaemonSet,
    states: Map<string, NodeState>,
    hash: string,
  ): Promise<void> {
    const byNode = new Map<string, Pod[]>();
    for (const [n, s] of states) if (s.shouldRun) byNode.set(n, s.pods);
    const now = Date.now();
    const minReady = ds.spec.minReadySeconds ?? 0;
    const available = (x: Pod) => isPodAvailable(x, minReady, now);
    const ru = ds.spec.updateStrategy?.rollingUpdate;
    const surge = dsMaxSurge(ru?.maxSurge, byNode.size);
    if (surge > 0) {
      const plan = surgeUpdate(byNode, hash, surge, available);
      // Old pods whose replacement is available go first, so a node never holds two for long.
      await this.deletePods(key, ds, plan.remove, 'its replacement is available (surge)');
      await this.createPods(key, ds, plan.createOn, hash);
      return;
    }
    const max = dsMaxUnavailable(ru?.maxUnavailable, byNode.size);
    const victims = rollingUpdateDeletions(byNode, hash, max, available);
    const next = podSpecImages(ds.spec.template.spec);
    await this.deletePods(key, ds, victims, 'rolling update to the new template', next);
  }

  private async createPod(ds: DaemonSet, node: string, hash: string): Promise<void> {
    const pod = await this.opts.client.create<Pod>(
      'pods',
      ds.metadata.namespace,
      newDaemonPod(ds, node, hash),
    );
    this.log.info('created daemon pod', { ds: keyOf(ds), pod: pod.metadata.name, node });
    await this.opts.recorder?.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
  }

  private async deletePod(ds: DaemonSet, p: Pod, why: string, nextImages: string[]): Promise<void> {
    try {
      await announceNextImages(this.opts.client, p, nextImages);
      await this.opts.client.delete('pods', p.metadata.namespace, p.metadata.name ?? '', {
        preconditions: { uid: p.metadata.uid },
      });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    this.log.info('deleted daemon pod', { ds: keyOf(ds), pod: p.metadata.name, why });
    await this.opts.recorder?.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
  }

  private async writeStatus(
    ds: DaemonSet,
    states: Map<string, NodeState>,
    hash: string,
  ): Promise<Result | undefined> {
    const now = Date.now();
    const status = daemonSetStatus(ds, states.values(), hash, now);
    const wrote = await writeStatusIfChanged(this.opts.client, 'daemonsets', ds, status);
    if (wrote === 'conflict') return { requeue: true };
    if (wrote === 'gone') return undefined;
    // A ready pod becomes available after minReadySeconds: look again then.
    let next: number | undefined;
    if (ds.spec.minReadySeconds)
      for (const s of states.values())
        for (const p of s.pods) {
          const ms = msUntilAvailable(p, ds.spec.minReadySeconds ?? 0, now);
          if (ms) next = Math.min(next ?? ms, ms);
        }
    return next !== undefined ? { requeueAfterMs: next + 1 } : undefined;
  }
}
