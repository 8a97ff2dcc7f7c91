// The scheduling framework's types (kube-scheduler's framework package, reduced to the phases
// Drover uses). A plugin file exports `name` and only the phases it needs. Filters and
// scores are pure functions of (pod, node info, cycle state): no I/O, never throw.

import type { Node, Pod } from '../../shared/api/types.js';

/** Highest score any plugin returns after normalization (framework.MaxNodeScore). */
export const MAX_NODE_SCORE = 100;

export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable';

export interface Status {
  code: StatusCode;
  reasons: string[];
}

export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: [] }) as Status;

export function unschedulable(reason: string): Status {
  return { code: 'Unschedulable', reasons: [reason] };
}

export function unresolvable(reason: string): Status {
  return { code: 'UnschedulableAndUnresolvable', reasons: [reason] };
}

/** cpu in millicores, memory in bytes, pods as a count. */
export interface Resources {
  milliCpu: number;
  memory: number;
  pods: number;
}

/** A pod with its requests computed once. */
export interface PodInfo {
  pod: Pod;
  key: string; // namespace/name
  /** Requests as the filter sees them (0 when unset). */
  requests: Resources;
  /** Requests as scores see them: unset cpu/memory count as 100m / 200Mi (k8s non-zero defaults). */
  nonZeroRequests: Resources;
}

export interface NodeInfo {
  name: string;
  node: Node;
  /**
   * The node's labels plus the well-known ones kubelet would set, filled from node.status when
   * the node lacks them: kubernetes.io/hostname, kubernetes.io/arch, kubernetes.io/os.
   */
  labels: Record<string, string>;
  /** Pods bound (or assumed) to this node, by namespace/name. */
  pods: Map<string, PodInfo>;
  allocatable: Resources;
  requested: Resources;
  nonZeroRequested: Resources;
  /** Normalized image name -> size in bytes (0 when the node did not report a size). */
  images: Map<string, number>;
}

/** Read-only view of the cluster the scheduling cycle works on. */
export interface Snapshot {
  /** All nodes, in a stable order (the scan order for percentageOfNodesToScore). */
  nodeInfos(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  /** How many nodes hold this (normalized) image: the spread term of ImageLocality. */
  imageNodeCount(image: string): number;
  /** Pods with required pod anti-affinity terms, with their node (for the symmetric check). */
  podsWithRequiredAntiAffinity(): readonly { podInfo: PodInfo; nodeInfo: NodeInfo }[];
}

/** Per-cycle context: the snapshot and plugin state computed in preFilter/preScore. */
export interface CycleContext {
  snapshot: Snapshot;
  podInfo: PodInfo;
  state: Map<string, unknown>;
}

export interface Plugin {
  name: string;
  /** Computes per-pod state once per cycle (stored under the plugin's name in ctx.state). */
  preFilter?(ctx: CycleContext, pod: Pod): void;
  filter?(ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): Status;
  /** Computes per-pod state for scoring, given the nodes that passed the filters. */
  preScore?(ctx: CycleContext, pod: Pod, nodes: readonly NodeInfo[]): void;
  score?(ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): number;
  /** Maps raw scores (in place) onto 0..MAX_NODE_SCORE. */
  normalizeScore?(ctx: CycleContext, pod: Pod, scores: number[]): void;
}

/**
 * kube-scheduler's DefaultNormalizeScore: scale to 0..max by the highest raw score; with
 * reverse, higher raw (e.g. more intolerable taints) means lower final score.
 */
export function defaultNormalizeScore(scores: number[], reverse: boolean, max = MAX_NODE_SCORE): void {
  let top = 0;
  for (const s of scores) if (s > top) top = s;
  if (top === 0) {
    if (reverse) scores.fill(max);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.floor((max * scores[i]) / top);
    scores[i] = reverse ? max - s : s;
  }
}
