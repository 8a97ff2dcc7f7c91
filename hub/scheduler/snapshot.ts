// ClusterSnapshot: the scheduler's in-memory model of nodes and their pods. The cache mutates
// it from API watches; a scheduling cycle is synchronous, so it reads the live model without
// copying. Also usable standalone (benchmarks, tests): add nodes and pods, then schedule.

import type { Node, Pod } from '../../shared/api/types.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../shared/api/volumes.js';
import type { NodeInfo, PodInfo, Snapshot } from './framework.js';
import { addPod, createNodeInfo, removePod, setNode } from './node-info.js';
import { createPodInfo } from './resources.js';

function hasRequiredAntiAffinity(pod: Pod): boolean {
  return (
    (pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0
  );
}

export class ClusterSnapshot implements Snapshot {
  private readonly nodes = new Map<string, NodeInfo>();
  private list: NodeInfo[] | undefined = [];
  /** pod key -> node name, for pods placed on a node (bound or assumed). */
  private readonly podNode = new Map<string, string>();
  /** Pods whose node is not (yet) known to the snapshot, by node name then pod key. */
  private readonly orphans = new Map<string, Map<string, PodInfo>>();
  private readonly imageCounts = new Map<string, number>();
  private readonly antiAffinityPods = new Map<string, PodInfo>();
  private readonly claims = new Map<string, PersistentVolumeClaim>();
  private readonly volumes = new Map<string, PersistentVolume>();

  claim(namespace: string, name: string): PersistentVolumeClaim | undefined {
    return this.claims.get(`${namespace}/${name}`);
  }

  volume(name: string): PersistentVolume | undefined {
    return this.volumes.get(name);
  }

  setClaim(pvc: PersistentVolumeClaim, deleted = false): void {
    const key = `${pvc.metadata.namespace ?? 'default'}/${pvc.metadata.name}`;
    if (deleted) this.claims.delete(key);
    else this.claims.set(key, pvc);
  }

  setVolume(pv: PersistentVolume, deleted = false): void {
    if (deleted) this.volumes.delete(pv.metadata.name ?? '');
    else this.volumes.set(pv.metadata.name ?? '', pv);
  }

  nodeInfos(): readonly NodeInfo[] {
    if (!this.list) this.list = [...this.nodes.values()];
    return this.list;
  }

  get(nodeName: string): NodeInfo | undefined {
    return this.nodes.get(nodeName);
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  imageNodeCount(image: string): number {
    return this.imageCounts.get(image) ?? 0;
  }

  podsWithRequiredAntiAffinity(): readonly { podInfo: PodInfo; nodeInfo: NodeInfo }[] {
    const out: { podInfo: PodInfo; nodeInfo: NodeInfo }[] = [];
    for (const p of this.antiAffinityPods.values()) {
      const n = this.nodes.get(this.podNode.get(p.key) ?? '');
      if (n) out.push({ podInfo: p, nodeInfo: n });
    }
    return out;
  }

  /** Node name a pod is placed on, if any. */
  nodeOf(podKey: string): string | undefined {
    return this.podNode.get(podKey);
  }

  placedPodKeys(): string[] {
    return [...this.podNode.keys()];
  }

  upsertNode(node: Node): NodeInfo {
    const name = node.metadata.name ?? '';
    let info = this.nodes.get(name);
    if (info) {
      this.countImages(info, -1);
      setNode(info, node);
    } else {
      info = createNodeInfo(node);
      this.nodes.set(name, info);
      this.list = undefined;
      const waiting = this.orphans.get(name);
      if (waiting) {
        for (const p of waiting.values()) addPod(info, p);
        this.orphans.delete(name);
      }
    }
    this.countImages(info, 1);
    return info;
  }

  removeNode(name: string): void {
    const info = this.nodes.get(name);
    if (!info) return;
    this.countImages(info, -1);
    this.nodes.delete(name);
    this.list = undefined;
    // Pods stay known (a node can come back, or its pods get deleted later).
    if (info.pods.size > 0) this.orphans.set(name, new Map(info.pods));
  }

  /** Places a pod on a node (bound or assumed). Replaces any earlier placement of the pod. */
  placePod(pod: Pod, nodeName: string): PodInfo {
    const p = createPodInfo(pod);
    this.removePod(p.key);
    this.podNode.set(p.key, nodeName);
    const info = this.nodes.get(nodeName);
    if (info) addPod(info, p);
    else {
      const m = this.orphans.get(nodeName) ?? new Map<string, PodInfo>();
      this.orphans.set(nodeName, m);
      m.set(p.key, p);
    }
    if (hasRequiredAntiAffinity(pod)) this.antiAffinityPods.set(p.key, p);
    return p;
  }

  removePod(key: string): void {
    const nodeName = this.podNode.get(key);
    if (nodeName === undefined) return;
    this.podNode.delete(key);
    this.antiAffinityPods.delete(key);
    const info = this.nodes.get(nodeName);
    if (info) removePod(info, key);
    const m = this.orphans.get(nodeName);
    if (m) {
      m.delete(key);
      if (m.size === 0) this.orphans.delete(nodeName);
    }
  }

  private countImages(info: NodeInfo, sign: 1 | -1): void {
    for (const image of info.images.keys()) {
      const n = (this.imageCounts.get(image) ?? 0) + sign;
      if (n <= 0) this.imageCounts.delete(image);
      else this.imageCounts.set(image, n);
    }
  }
}
