// A DaemonSet's picture of the fleet, kept between its reconciles (issues #21 and #10, hub CPU):
// per node, what belongs there and what the controller is to do about it. The controller's pod
// and node handlers mark the nodes whose daemon pods or node object changed, and a reconcile
// judges only those again: a reconcile walked every node and every pod of the DaemonSet on each
// coalesced batch of pod changes (10,000 boards: ~10 times a second while pods come up or a
// rollout runs). The whole picture is judged again when what the judgement reads of the
// DaemonSet changes (view signature: its UID, generation, template hash, pre-pull images), after
// a failed reconcile, and on the first reconcile.

import type { KubeObject, Node, Pod } from '../../../shared/api/types.js';
import type { IndexFunc } from '../../informers/indexer.js';
import { controllerOf } from '../controller-ref.js';
import { type Placement, REVISION_HASH_LABEL, targetNode } from './placement.js';
import { isUpdated } from './rolling-update.js';
import { countNode, type DaemonCounts, type NodeState, noCounts } from './status.js';

/** Pods index of the DaemonSet controller: `<DaemonSet UID>/<node>` of each daemon pod ('' node: none named). */
export const INDEX_DAEMON_NODE = 'daemon-node';

export const daemonNodeKey = (uid: string, node: string) => `${uid}/${node}`;

export const byDaemonNode: IndexFunc<KubeObject> = (o) => {
  const ref = controllerOf(o);
  return ref?.kind === 'DaemonSet' && ref.uid ? [daemonNodeKey(ref.uid, targetNode(o as Pod) ?? '')] : [];
};

const created = (p: Pod) => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
const NO_PODS: readonly Pod[] = Object.freeze([]);

/** What judging one node's daemon pods decided (NodeJudgement for the node name '' covers pods naming no node). */
interface Judgement {
  /** The node exists: its state counts in the status and the rolling update. */
  state?: NodeState;
  /** Pods to delete: failed, beyond the one kept, no longer belonging, on a node that is gone. */
  remove: Pod[];
  /** Its terminating daemon pods. */
  terminating: Pod[];
  /** A pod should run and none is there or going away: create one. */
  create: boolean;
  /** A pod should run and one kept is of an older template. */
  outdated: boolean;
  /** controller-revision-hash of every pod on it, terminating ones too. */
  revisions: string[];
}

export interface JudgeInputs {
  hash: string;
  /** RollingUpdate with maxSurge > 0: a node may keep its old pod and the newest of the template. */
  surge: boolean;
  places: (n: Node) => Placement;
}

/** Judges one node: the DaemonSet controller's per-node rules (daemonset.ts header). */
export function judgeNode(node: Node | undefined, pods: readonly Pod[], inp: JudgeInputs): Judgement {
  const remove: Pod[] = [];
  const terminating: Pod[] = [];
  const revisions: string[] = [];
  const active: Pod[] = [];
  for (const p of pods) {
    revisions.push(p.metadata.labels?.[REVISION_HASH_LABEL] ?? '');
    if (p.metadata.deletionTimestamp) terminating.push(p);
    else if (p.status?.phase === 'Failed' || !node) remove.push(p);
    else active.push(p);
  }
  const j: Judgement = { remove, terminating, create: false, outdated: false, revisions };
  if (!node) return j;
  const on = active;
  const where = inp.places(node);
  if (!where.shouldContinueRunning) {
    remove.push(...on);
    j.state = { shouldRun: false, pods: [] };
    return j;
  }
  // Keep the oldest; while surging, also the newest pod of the current template.
  let keep: Pod[];
  if (on.length <= 1) keep = on;
  else {
    const sorted = [...on].sort((a, b) => created(a) - created(b));
    const fresh = inp.surge ? sorted.filter((p) => isUpdated(p, inp.hash)) : [];
    keep =
      inp.surge && fresh.length && !isUpdated(sorted[0], inp.hash)
        ? [sorted[0], fresh[fresh.length - 1]]
        : sorted.slice(0, 1);
    remove.push(...sorted.filter((p) => !keep.includes(p)));
  }
  j.state = { shouldRun: where.shouldRun, pods: keep };
  if (where.shouldRun) {
    j.outdated = keep.some((p) => !isUpdated(p, inp.hash));
    j.create = keep.length === 0 && terminating.length === 0;
  }
  return j;
}

export class DaemonView {
  /** Per node name ('' for pods naming no node): the last judgement. */
  private readonly judged = new Map<string, Judgement>();
  /** The state of every existing node judged (status, rolling update). */
  readonly states = new Map<string, NodeState>();
  /** The status counts over states, without minReadySeconds (every ready pod available). */
  readonly counts: DaemonCounts = noCounts();
  private readonly creates = new Set<string>();
  private readonly removes = new Map<string, Pod[]>();
  private readonly terminatingOn = new Map<string, Pod[]>();
  private readonly outdatedOn = new Set<string>();
  private readonly revisionCount = new Map<string, number>();
  /** Nodes to judge again at the next reconcile. */
  private readonly dirty = new Set<string>();
  /** Everything is to be judged again (new view, or after a failed reconcile). */
  private whole = true;

  /** signature: what the judgements were made under; hash: the template's (the counts' updated pods). */
  constructor(
    readonly signature: string,
    private readonly hash: string,
  ) {}

  /** The node's daemon pods or the node itself changed. */
  touch(node: string): void {
    if (!this.whole) this.dirty.add(node);
  }

  /** Judge everything again next time (a reconcile failed halfway: what it skipped is not lost). */
  invalidate(): void {
    this.whole = true;
    this.dirty.clear();
  }

  /** Whether the next refresh judges every node. */
  get needsWhole(): boolean {
    return this.whole;
  }

  /**
   * Judges the nodes marked since the last refresh, or all of them (nodes: every node held;
   * podsOf: the DaemonSet's pods, all or of one node). Returns the states judged now (the
   * running pods whose announcements are to be checked).
   */
  refresh(
    inp: JudgeInputs,
    nodes: { all: () => Iterable<Node>; get: (name: string) => Node | undefined },
    podsOf: { all: () => readonly Pod[]; on: (node: string) => readonly Pod[] },
    target: (p: Pod) => string | undefined,
  ): NodeState[] {
    const judgedNow: NodeState[] = [];
    const put = (name: string, j: Judgement) => {
      this.set(name, j);
      if (j.state) judgedNow.push(j.state);
    };
    if (this.whole) {
      this.clear();
      const byNode = new Map<string, Pod[]>();
      for (const p of podsOf.all()) {
        const n = target(p) ?? '';
        const list = byNode.get(n);
        if (list) list.push(p);
        else byNode.set(n, [p]);
      }
      for (const n of nodes.all()) {
        const name = n.metadata.name ?? '';
        put(name, judgeNode(n, byNode.get(name) ?? NO_PODS, inp));
        byNode.delete(name);
      }
      for (const [name, pods] of byNode) put(name, judgeNode(undefined, pods, inp));
      this.whole = false;
      return judgedNow;
    }
    for (const name of this.dirty)
      put(name, judgeNode(name ? nodes.get(name) : undefined, podsOf.on(name), inp));
    this.dirty.clear();
    return judgedNow;
  }

  toCreate(): string[] {
    return [...this.creates];
  }

  toDelete(): Pod[] {
    return [...this.removes.values()].flat();
  }

  terminating(): Pod[] {
    return [...this.terminatingOn.values()].flat();
  }

  /** Some node that should run a pod keeps one of an older template. */
  outdated(): boolean {
    return this.outdatedOn.size > 0;
  }

  /** Template hashes the DaemonSet's pods carry (its history keeps their revisions). */
  liveRevisions(): Set<string> {
    return new Set(this.revisionCount.keys());
  }

  private clear(): void {
    this.judged.clear();
    this.states.clear();
    Object.assign(this.counts, noCounts());
    this.creates.clear();
    this.removes.clear();
    this.terminatingOn.clear();
    this.outdatedOn.clear();
    this.revisionCount.clear();
    this.dirty.clear();
  }

  private set(name: string, j: Judgement): void {
    const old = this.judged.get(name);
    if (old) for (const r of old.revisions) this.count(r, -1);
    for (const r of j.revisions) this.count(r, 1);
    if (old?.state) countNode(this.counts, old.state, this.hash, 0, 0, -1);
    if (j.state) countNode(this.counts, j.state, this.hash, 0, 0);
    const empty = !j.state && j.remove.length === 0 && j.terminating.length === 0 && j.revisions.length === 0;
    if (empty) this.judged.delete(name);
    else this.judged.set(name, j);
    if (j.state) this.states.set(name, j.state);
    else this.states.delete(name);
    if (j.create) this.creates.add(name);
    else this.creates.delete(name);
    if (j.remove.length) this.removes.set(name, j.remove);
    else this.removes.delete(name);
    if (j.terminating.length) this.terminatingOn.set(name, j.terminating);
    else this.terminatingOn.delete(name);
    if (j.outdated) this.outdatedOn.add(name);
    else this.outdatedOn.delete(name);
  }

  private count(revision: string, by: number): void {
    const n = (this.revisionCount.get(revision) ?? 0) + by;
    if (n > 0) this.revisionCount.set(revision, n);
    else this.revisionCount.delete(revision);
  }
}
