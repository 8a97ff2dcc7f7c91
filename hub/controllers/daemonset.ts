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
// (expectations.ts) over the creates and deletes, as for ReplicaSets. The per-node decisions
// are kept between reconciles (daemonset/view.ts): a reconcile judges again only the nodes
// whose pods or node object changed since the last one.

import type { ApiClient } from '../api/client.js';
import { isNotFound } from '../api/errors.js';
import { type StatusWrite, writeStatusIfChanged } from './status-write.js';
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
import { newDaemonPod, type Placement, placement, targetNode, templatePod } from './daemonset/placement.js';
import {
  dsMaxSurge,
  dsMaxUnavailable,
  rollingUpdateDeletions,
  surgeUpdate,
} from './daemonset/rolling-update.js';
import { daemonSetStatus, type NodeState } from './daemonset/status.js';
import { byDaemonNode, DaemonView, daemonNodeKey, INDEX_DAEMON_NODE } from './daemonset/view.js';
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
  /** resourceVersion of each DaemonSet's last status write here. */
  private readonly written = new Map<string, string | undefined>();
  /** DaemonSets with a status write under way: the resourceVersions of their events meanwhile. */
  private readonly writing = new Map<string, (string | undefined)[]>();
  /** Per DaemonSet key: its picture of the fleet, judged again only where something changed (daemonset/view.ts). */
  private readonly views = new Map<string, DaemonView>();
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
    this.pods.addIndex(INDEX_DAEMON_NODE, byDaemonNode);
    this.expectations = new Expectations(opts.expectationsTimeoutMs);
  }

  /** No key queued or being reconciled. */
  idle(): boolean {
    return this.runner.idle();
  }

  async start(): Promise<void> {
    await this.informers.watch<DaemonSet>('daemonsets', { onChange: (t, ds) => this.onSet(t, ds) });
    await this.informers.watch<Node>('nodes', { onChange: (t, n, old) => this.onNode(t, n, old) });
    await this.informers.watch<Pod>('pods', { onChange: (t, p, old) => this.onPod(t, p, old) });
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

  private onSet(type: ChangeType, ds: DaemonSet): void {
    const key = keyOf(ds);
    if (type === 'DELETED') {
      this.gone.remember(key, ds.metadata.uid);
      this.written.delete(key);
    }
    // Our own status write coming back brings nothing the reconcile that wrote it did not act
    // on (the write was conditional on the resourceVersion it read): reconciling it walked every
    // node once more after each coalesced batch of pod changes. Its event may come before the
    // write's answer (in-process API): decided once the answer is in (writeStatus).
    if (type === 'MODIFIED') {
      const rv = ds.metadata.resourceVersion;
      const during = this.writing.get(key);
      if (during) {
        during.push(rv);
        return;
      }
      if (rv === this.written.get(key)) return;
    }
    this.runner.add(key);
  }

  private onNode(type: ChangeType, n: Node, old: Node | undefined): void {
    // Only what placement reads matters: labels, taints, existence.
    const sig = (x: Node | undefined) => JSON.stringify([x?.metadata.labels, x?.spec.taints]);
    if (type === 'MODIFIED' && sig(n) === sig(old)) return;
    const name = n.metadata.name ?? '';
    for (const ds of this.sets.list()) {
      const key = keyOf(ds);
      this.views.get(key)?.touch(name);
      this.runner.add(key);
    }
  }

  private onPod(type: ChangeType, p: Pod, old: Pod | undefined): void {
    const key = observeOwnedPod(this.expectations, 'DaemonSet', type, p);
    if (!key) return;
    if (!this.sets.get(key)) this.gone.remember(key, controllerOf(p)?.uid);
    const view = this.views.get(key);
    if (view) {
      view.touch(targetNode(p) ?? '');
      if (old) view.touch(targetNode(old) ?? '');
    }
    this.runner.addCoalesced(key);
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const ds = this.sets.get(key);
    if (!ds) {
      this.expectations.delete(key);
      this.placementCache.delete(key);
      this.views.delete(key);
      await this.release(key);
      return undefined;
    }
    this.gone.forget(key);
    const hash = computeHash(ds.spec.template, ds.status?.collisionCount);
    const uid = ds.metadata.uid ?? '';
    const strategy = ds.spec.updateStrategy;
    const surge = strategy?.type !== 'OnDelete' && dsMaxSurge(strategy?.rollingUpdate?.maxSurge, 1) > 0;
    // What the judgement of a node reads of the DaemonSet (generation: its strategy), and the
    // pre-pull images every running pod is told: a change judges every node again.
    const signature = `${uid}|${ds.metadata.generation ?? 0}|${hash}|${prePullImages(ds).join(',')}`;
    let view = this.views.get(key);
    if (view?.signature !== signature) {
      view = new DaemonView(signature, hash);
      this.views.set(key, view);
    }
    try {
      return await this.sync(key, ds, hash, uid, surge, view);
    } catch (e) {
      view.invalidate();
      throw e;
    }
  }

  private async sync(
    key: string,
    ds: DaemonSet,
    hash: string,
    uid: string,
    surge: boolean,
    view: DaemonView,
  ): Promise<Result | undefined> {
    const judgedNow = view.refresh(
      { hash, surge, places: this.placements(key, ds, hash) },
      { all: () => this.nodes.list(), get: (name) => this.nodes.get(`/${name}`) },
      {
        all: () => this.pods.byIndex(INDEX_CONTROLLER_UID, uid),
        on: (node) => this.pods.byIndex(INDEX_DAEMON_NODE, daemonNodeKey(uid, node)),
      },
      targetNode,
    );
    const terminating = view.terminating();
    const deleting = ds.metadata.deletionTimestamp !== undefined;
    if (!deleting) {
      await syncHistory(
        this.opts.client,
        ds,
        hash,
        this.revisions.byIndex(INDEX_CONTROLLER_UID, uid),
        view.liveRevisions(),
      );
      await this.announce(
        ds,
        terminating,
        judgedNow.flatMap((s) => s.pods),
      );
    } else
      await withdrawNextImages(
        this.opts.client,
        terminating.filter((p) => nextImagesOf(p).length),
      );
    // Until the informer has shown our last creates and deletes, its view is not to be trusted.
    if (!deleting && this.expectations.satisfied(key)) {
      const toCreate = view.toCreate();
      const toDelete = view.toDelete();
      await this.createPods(key, ds, toCreate, hash);
      await this.deletePods(key, ds, toDelete, 'no longer belongs on its node');
      // Every pod of the current template: nothing to roll (a plan over every node would be empty).
      if (
        view.outdated() &&
        toCreate.length === 0 &&
        toDelete.length === 0 &&
        ds.spec.updateStrategy?.type !== 'OnDelete'
      )
        await this.rollingUpdate(key, ds, view.states, hash);
    }
    return this.writeStatus(ds, view, hash);
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
  private async announce(ds: DaemonSet, terminating: Pod[], running: Pod[]): Promise<void> {
    const c = this.opts.client;
    const images = podSpecImages(ds.spec.template.spec);
    await announceOnAll(c, staleAnnouncements(terminating, images), images);
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

  private async writeStatus(ds: DaemonSet, view: DaemonView, hash: string): Promise<Result | undefined> {
    const states = view.states;
    const now = Date.now();
    const status = daemonSetStatus(ds, states.values(), hash, now, view.counts);
    const key = keyOf(ds);
    const during: (string | undefined)[] = [];
    this.writing.set(key, during);
    let wrote: StatusWrite;
    try {
      wrote = await writeStatusIfChanged(this.opts.client, 'daemonsets', ds, status, (stored) =>
        this.written.set(key, stored.metadata.resourceVersion),
      );
    } finally {
      this.writing.delete(key);
      // Any change but the write's own is reconciled (after this one: the queue holds the key).
      if (during.some((rv) => rv !== this.written.get(key))) this.runner.add(key);
    }
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
