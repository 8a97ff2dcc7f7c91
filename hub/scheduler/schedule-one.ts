// One scheduling cycle for one pod, as kube-scheduler's schedulePod: snapshot -> preFilter
// -> filter nodes (stopping once enough feasible nodes are found) -> preScore -> score and
// normalize -> pick the highest total (random among equals). Pure: no API, no I/O; the
// caller assumes and binds. `createSchedulerCore` is also the benchmark's entry point.

import type { Pod } from '../../shared/api/types.js';
import { type Profile, type ResolvedProfile, resolveProfile } from './defaults.js';
import { FitError, NoNodesAvailableError } from './fit-error.js';
import type { CycleContext, NodeInfo, Snapshot, Status } from './framework.js';
import { createPodInfo } from './resources.js';

/** Below this many nodes every node is evaluated (k8s minFeasibleNodesToFind). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** The adaptive percentage never drops below this (k8s minFeasibleNodesPercentageToFind). */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * How many feasible nodes to find before scoring (k8s numFeasibleNodesToFind): all nodes under
 * 100; else percentage (0 = adaptive: 50 - nodes/125, at least 5) of the nodes, at least 100.
 * Integer arithmetic, as in Go: 5000 nodes -> 10% -> 500.
 */
export function numFeasibleNodesToFind(percentageOfNodesToScore: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentageOfNodesToScore;
  if (pct === 0) {
    pct = 50 - Math.trunc(numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

export interface ScheduleResult {
  node: string;
  /** Nodes run through the filters this cycle. */
  evaluatedNodes: number;
  feasibleNodes: number;
}

export interface SchedulerCore {
  readonly profile: ResolvedProfile;
  /** Picks a node for the pod, or says why none fits. Does not change the snapshot. */
  scheduleOne(pod: Pod, snapshot: Snapshot): ScheduleResult | FitError | NoNodesAvailableError;
}

export interface SchedulerCoreOptions {
  profile?: Partial<Profile>;
  /** Random source for tie-breaks, [0, 1). Default Math.random. */
  random?: () => number;
}

export function createSchedulerCore(opts: SchedulerCoreOptions = {}): SchedulerCore {
  const profile = resolveProfile(opts.profile);
  const random = opts.random ?? Math.random;
  // Where the next cycle starts scanning, so successive pods look at different nodes.
  let nextStartNodeIndex = 0;

  function runFilters(ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
    for (const p of profile.filters) {
      const s = p.filter!(ctx, pod, nodeInfo);
      if (s.code !== 'Success') return s;
    }
    return undefined;
  }

  function findFeasible(ctx: CycleContext, pod: Pod, nodes: readonly NodeInfo[]) {
    const want = numFeasibleNodesToFind(profile.percentageOfNodesToScore, nodes.length);
    const feasible: NodeInfo[] = [];
    const reasonCounts = new Map<string, number>();
    let processed = 0;
    for (let i = 0; i < nodes.length && feasible.length < want; i++) {
      const nodeInfo = nodes[(nextStartNodeIndex + i) % nodes.length];
      processed++;
      const failed = runFilters(ctx, pod, nodeInfo);
      if (!failed) {
        feasible.push(nodeInfo);
        continue;
      }
      for (const r of failed.reasons) reasonCounts.set(r, (reasonCounts.get(r) ?? 0) + 1);
    }
    nextStartNodeIndex = (nextStartNodeIndex + processed) % nodes.length;
    return { feasible, reasonCounts, processed };
  }

  /** Weighted sum of normalized plugin scores, per feasible node. */
  function scoreNodes(ctx: CycleContext, pod: Pod, feasible: NodeInfo[]): number[] {
    const totals = new Array<number>(feasible.length).fill(0);
    for (const { plugin } of profile.scores) plugin.preScore?.(ctx, pod, feasible);
    const scores = new Array<number>(feasible.length);
    for (const { plugin, weight } of profile.scores) {
      for (let i = 0; i < feasible.length; i++) scores[i] = plugin.score!(ctx, pod, feasible[i]);
      plugin.normalizeScore?.(ctx, pod, scores);
      for (let i = 0; i < feasible.length; i++) totals[i] += scores[i] * weight;
    }
    return totals;
  }

  /** Highest total; among equal totals each is equally likely (reservoir sampling, as k8s). */
  function selectHost(totals: number[]): number {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < totals.length; i++) {
      if (totals[i] > totals[best]) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (random() * ties < 1) best = i;
      }
    }
    return best;
  }

  return {
    profile,
    scheduleOne(pod, snapshot) {
      const nodes = snapshot.nodeInfos();
      if (nodes.length === 0) return new NoNodesAvailableError();
      const ctx: CycleContext = { snapshot, podInfo: createPodInfo(pod), state: new Map() };
      for (const p of profile.filters) p.preFilter?.(ctx, pod);
      const { feasible, reasonCounts, processed } = findFeasible(ctx, pod, nodes);
      if (feasible.length === 0) return new FitError(nodes.length, reasonCounts);
      if (feasible.length === 1)
        return { node: feasible[0].name, evaluatedNodes: processed, feasibleNodes: 1 };
      const totals = scoreNodes(ctx, pod, feasible);
      return {
        node: feasible[selectHost(totals)].name,
        evaluatedNodes: processed,
        feasibleNodes: feasible.length,
      };
    },
  };
}
