// The scheduler's cache: nodes and placed pods from API watches, in a ClusterSnapshot, plus
// assumed pods — a pod counts on its chosen node from the moment it is chosen, before its
// Binding returns, so back-to-back decisions never overcommit a node. A watch event showing
// the pod bound confirms the assumption; a failed bind forgets it.
// Unbound pods this scheduler serves go to the queue (through `sink`), and changes that can
// make a parked pod schedulable (node added/changed, placed pod gone) are reported.

import { createHash } from 'node:crypto';
import type { Node, Pod } from '../../shared/api/types.js';
import { podKey } from './resources.js';
import { ClusterSnapshot } from './snapshot.js';

export interface CacheSink {
  /** An unbound pod this scheduler should place (new or changed). */
  unscheduledPod(pod: Pod): void;
  /** A pod left scheduling: deleted, bound, or no longer ours. */
  podGone(key: string): void;
  /** Something changed that may let parked pods fit (a node added or changed, a pod removed). */
  clusterChanged(reason: string): void;
}

export const DEFAULT_SCHEDULER_NAMES: readonly string[] = ['default-scheduler', 'drover'];

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/**
 * What about a node can change a filter's verdict (not heartbeat timestamps), as a digest: the
 * JSON itself is about 0.4 KiB per node, held for every node of the fleet.
 */
function nodeSchedulingFields(node: Node): string {
  const fields = JSON.stringify([
    node.metadata.labels ?? {},
    node.spec?.unschedulable ?? false,
    node.spec?.taints ?? [],
    node.status?.allocatable ?? node.status?.capacity ?? {},
    (node.status?.conditions ?? []).map((c) => [c.type, c.status]),
    (node.status?.images ?? []).map((i) => i.names),
    node.status?.nodeInfo?.architecture ?? '',
  ]);
  return createHash('sha256').update(fields).digest('base64');
}

export class SchedulerCache {
  readonly snapshot = new ClusterSnapshot();
  private readonly assumed = new Set<string>();
  /** Keys of unbound pods handed to the sink (so a relist can tell which disappeared). */
  private readonly pending = new Set<string>();
  private readonly nodeFields = new Map<string, string>();

  constructor(
    private readonly sink: CacheSink,
    private readonly schedulerNames: readonly string[] = DEFAULT_SCHEDULER_NAMES,
  ) {}

  // ---- assumed pods ----

  assume(pod: Pod, nodeName: string): void {
    const key = podKey(pod);
    this.snapshot.placePod({ ...pod, spec: { ...pod.spec, nodeName } }, nodeName);
    this.assumed.add(key);
  }

  /** The bind failed: the pod no longer counts on the node. */
  forget(key: string): void {
    if (!this.assumed.delete(key)) return;
    this.snapshot.removePod(key);
  }

  isAssumed(key: string): boolean {
    return this.assumed.has(key);
  }

  // ---- nodes ----

  replaceNodes(nodes: Node[]): void {
    const seen = new Set<string>();
    for (const n of nodes) {
      seen.add(n.metadata.name ?? '');
      this.upsertNode(n);
    }
    for (const info of [...this.snapshot.nodeInfos()]) if (!seen.has(info.name)) this.deleteNode(info.name);
    this.sink.clusterChanged('NodeRelist');
  }

  nodeEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', node: Node): void {
    const name = node.metadata.name ?? '';
    if (type === 'DELETED') {
      this.deleteNode(name);
      return;
    }
    const before = this.nodeFields.get(name);
    this.upsertNode(node);
    if (before === undefined) this.sink.clusterChanged('NodeAdd');
    else if (before !== this.nodeFields.get(name)) this.sink.clusterChanged('NodeUpdate');
  }

  private upsertNode(node: Node): void {
    this.snapshot.upsertNode(node);
    this.nodeFields.set(node.metadata.name ?? '', nodeSchedulingFields(node));
  }

  private deleteNode(name: string): void {
    this.snapshot.removeNode(name);
    this.nodeFields.delete(name);
  }

  // ---- pods ----

  replacePods(pods: Pod[]): void {
    const seen = new Set<string>();
    for (const p of pods) {
      seen.add(podKey(p));
      this.podChanged(p);
    }
    for (const key of [...this.pending]) {
      if (!seen.has(key)) this.podDeleted(key);
    }
    for (const key of this.snapshot.placedPodKeys()) {
      if (!seen.has(key) && !this.assumed.has(key)) this.podDeleted(key);
    }
    this.sink.clusterChanged('PodRelist');
  }

  podEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', pod: Pod): void {
    if (type === 'DELETED') this.podDeleted(podKey(pod));
    else this.podChanged(pod);
  }

  private podChanged(pod: Pod): void {
    const key = podKey(pod);
    const nodeName = pod.spec.nodeName;
    if (nodeName) {
      this.assumed.delete(key); // confirmed (or bound by someone else)
      if (this.pending.delete(key)) this.sink.podGone(key);
      if (isTerminal(pod)) {
        if (this.snapshot.nodeOf(key) !== undefined) {
          this.snapshot.removePod(key);
          this.sink.clusterChanged('AssignedPodTerminated');
        }
      } else {
        this.snapshot.placePod(pod, nodeName);
      }
      return;
    }
    // Unbound. While our bind is in flight the watch can still show the pod unbound: keep
    // the assumed placement, but let the queue see the newer object.
    const ours = this.schedulerNames.includes(pod.spec.schedulerName || 'default-scheduler');
    if (!ours || pod.metadata.deletionTimestamp || isTerminal(pod)) {
      if (this.pending.delete(key)) this.sink.podGone(key);
      return;
    }
    this.pending.add(key);
    this.sink.unscheduledPod(pod);
  }

  private podDeleted(key: string): void {
    this.assumed.delete(key);
    if (this.pending.delete(key)) this.sink.podGone(key);
    if (this.snapshot.nodeOf(key) !== undefined) {
      this.snapshot.removePod(key);
      this.sink.clusterChanged('AssignedPodDelete');
    }
  }
}
