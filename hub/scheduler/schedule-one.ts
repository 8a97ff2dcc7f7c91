// One scheduling cycle for one pod, as kube-scheduler's schedulePod: snapshot -> preFilter
// (which may name the only candidate nodes) -> filter nodes (stopping once enough feasible
// nodes are found) -> preScore -> score and
// normalize -> pick the highest total (random among equals). Pure: no API, no I/O; the
// caller assumes and binds. `createSchedulerCore` is also the benchmark's entry point.
// Hot path: filters run for up to hundreds of nodes per pod, so plugins whose preFilter /
// preScore says Skip are left out of the per-node loops for the cycle, and per-node values
// are precomputed on NodeInfo (node-info.ts) rather than derived per pod.

import type { Pod } from '../../shared/api/types.js';
import { type Profile, type ResolvedProfile, resolveProfile } from './defaults.js';
import { FitError, NoNodesAvailableError } from './fit-error.js';
import {
  type CycleContext,
  type NodeInfo,
  type Plugin,
  type PreFilterResult,
  SKIP,
  type Snapshot,
  type Status,
} from './framework.js';
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

/** Results of two preFilters: only the nodes both name (k8s PreFilterResult.Merge). */
function intersect(a: PreFilterResult, b: PreFilterResult): PreFilterResult {
  return { nodeNames: new Set([...a.nodeNames].filter((n) => b.nodeNames.has(n))), reason: a.reason };
}

/** The snapshot's NodeInfos of the named nodes that exist. */
function candidateNodes(snapshot: Snapshot, only: PreFilterResult): NodeInfo[] {
  const out: NodeInfo[] = [];
  for (const name of only.nodeNames) {
    const info = snapshot.get(name);
    if (info) out.push(info);
  }
  return out;
}

export function createSchedulerCore(opts: SchedulerCoreOptions = {}): SchedulerCore {
  const profile = resolveProfile(opts.profile);
  const random = opts.random ?? Math.random;
  // Where the next cycle starts scanning, so successive pods look at different nodes.
  let nextStartNodeIndex = 0;
  // Per-cycle arrays, reused across cycles (a cycle is synchronous and they never escape it;
  // plugins must not keep them): sized to the cycle's feasible nodes, so a steady stream of
  // pods allocates no new arrays of hundreds of entries per pod.
  const feasible: NodeInfo[] = [];
  const totals: number[] = [];
  const scores: number[] = [];

  function runFilters(
    filters: readonly Plugin[],
    ctx: CycleContext,
    pod: Pod,
    nodeInfo: NodeInfo,
  ): Status | undefined {
    for (let f = 0; f < filters.length; f++) {
      const s = filters[f].filter!(ctx, pod, nodeInfo);
      if (s.code !== 'Success') return s;
    }
    return undefined;
  }

  /** rotate: start where the last whole-fleet scan stopped (not for a preFilter's few nodes). */
  function findFeasible(
    filters: readonly Plugin[],
    ctx: CycleContext,
    pod: Pod,
    nodes: readonly NodeInfo[],
    rotate: boolean,
  ) {
    const want = numFeasibleNodesToFind(profile.percentageOfNodesToScore, nodes.length);
    const reasonCounts = new Map<string, number>();
    let count = 0;
    let processed = 0;
    const n = nodes.length;
    // The node list may have shrunk since the last cycle.
    const start = rotate && n > 0 ? nextStartNodeIndex % n : 0;
    for (let i = 0; i < n && count < want; i++) {
      let at = start + i;
      if (at >= n) at -= n;
      const nodeInfo = nodes[at];
      processed++;
      const failed = runFilters(filters, ctx, pod, nodeInfo);
      if (!failed) {
        if (count < feasible.length) feasible[count] = nodeInfo;
        else feasible.push(nodeInfo);
        count++;
        continue;
      }
      for (const r of failed.reasons) reasonCounts.set(r, (reasonCounts.get(r) ?? 0) + 1);
    }
    feasible.length = count;
    if (rotate) nextStartNodeIndex = (nextStartNodeIndex + processed) % n;
    return { reasonCounts, processed };
  }

  /** Weighted sum of normalized plugin scores, per feasible node. */
  function scoreNodes(ctx: CycleContext, pod: Pod): number[] {
    totals.length = feasible.length;
    totals.fill(0);
    scores.length = feasible.length;
    // A skipped score plugin would add 0 to every node (framework.ts SKIP).
    const active = profile.scores.filter(({ plugin }) => plugin.preScore?.(ctx, pod, feasible) !== SKIP);
    for (const { plugin, weight } of active) {
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
      // Filters whose preFilter says Skip pass every node: leave them out of the node loop.
      const filters: Plugin[] = [];
      let only: PreFilterResult | undefined;
      for (const p of profile.filters) {
        const r = p.preFilter?.(ctx, pod);
        if (r === SKIP) continue;
        filters.push(p);
        if (r) only = only ? intersect(only, r) : r;
      }
      const candidates = only ? candidateNodes(snapshot, only) : nodes;
      const { reasonCounts, processed } = findFeasible(filters, ctx, pod, candidates, !only);
      if (only && candidates.length < nodes.length)
        reasonCounts.set(
          only.reason,
          (reasonCounts.get(only.reason) ?? 0) + nodes.length - candidates.length,
        );
      if (feasible.length === 0) return new FitError(nodes.length, reasonCounts);
      if (feasible.length === 1)
        return { node: feasible[0].name, evaluatedNodes: processed, feasibleNodes: 1 };
      const node = feasible[selectHost(scoreNodes(ctx, pod))].name;
      return {
        node,
        evaluatedNodes: processed,
        feasibleNodes: feasible.length,
      };
    },
  };
}
