// The scheduling framework's types (kube-scheduler's framework package, reduced to the phases
// Drover uses). A plugin file exports `name` and only the phases it needs. Filters and
// scores are pure functions of (pod, node info, cycle state): no I/O, never throw.

import type { Node, Pod, Taint } from '../../shared/api/types.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../shared/api/volumes.js';

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
   * the node lacks them: kubernetes.io/hostname, kubernetes.io/arch, kubernetes.io/os. The
   * node's own labels object when it has all three (shared: read only).
   */
  labels: Readonly<Record<string, string>>;
  /** Pods bound (or assumed) to this node, by namespace/name. */
  pods: Map<string, PodInfo>;
  allocatable: Resources;
  requested: Resources;
  nonZeroRequested: Resources;
  /** Normalized image name -> size in bytes (0 when the node did not report a size); read only. */
  images: ReadonlyMap<string, number>;
  // Derived from `node` once per node update (setNode), so filters and scores do not re-derive
  // them for every pod: they run for hundreds of nodes per cycle.
  /** The node's Ready condition is True. */
  ready: boolean;
  /** spec.unschedulable (cordoned). */
  unschedulable: boolean;
  /** Taints with effect NoSchedule or NoExecute, in the node's order (TaintToleration filter). */
  noScheduleTaints: readonly Taint[];
  /** Taints with effect PreferNoSchedule (TaintToleration score). */
  preferNoScheduleTaints: readonly Taint[];
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
  /** Claims by namespace and name, volumes by name (VolumeBinding). */
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  volume(name: string): PersistentVolume | undefined;
}

/** Per-cycle context: the snapshot and plugin state computed in preFilter/preScore. */
export interface CycleContext {
  snapshot: Snapshot;
  podInfo: PodInfo;
  state: Map<string, unknown>;
}

/**
 * Returned by preFilter / preScore when the plugin's filter / score cannot change anything for
 * this pod (k8s framework Skip status): the cycle then does not call it for each node. A
 * skipped filter passes every node; a skipped score adds 0 to every node, so a plugin may skip
 * only when its normalized score would be 0 on every node.
 */
export const SKIP = 'Skip';
export type Skip = typeof SKIP;

/**
 * Returned by a preFilter that already knows the only nodes the pod can go to (k8s
 * PreFilterResult): the cycle evaluates just those instead of scanning the whole fleet. A
 * DaemonSet pod names its node in a matchFields term, so without this each of N daemon pods
 * would run the filters on all N boards. Results of several plugins intersect.
 */
export interface PreFilterResult {
  nodeNames: ReadonlySet<string>;
  /** The reason reported for every node left out (as the filter itself would say). */
  reason: string;
}

export interface Plugin {
  name: string;
  /** Computes per-pod state once per cycle (stored under the plugin's name in ctx.state). */
  preFilter?(ctx: CycleContext, pod: Pod): Skip | PreFilterResult | undefined;
  /** Must also be correct when called without preFilter (tests call it alone). */
  filter?(ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): Status;
  /** Computes per-pod state for scoring, given the nodes that passed the filters. */
  preScore?(ctx: CycleContext, pod: Pod, nodes: readonly NodeInfo[]): Skip | undefined;
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
