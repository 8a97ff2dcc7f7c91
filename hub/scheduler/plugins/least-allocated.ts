// NodeResourcesLeastAllocated (k8s NodeResourcesFit, scoring strategy LeastAllocated): prefer
// nodes with the most room left after placing the pod.

import type { Pod } from '../../../shared/api/types.js';
import { type CycleContext, MAX_NODE_SCORE, type NodeInfo } from '../framework.js';

export const name = 'NodeResourcesLeastAllocated';

/** floor((allocatable - requested) * 100 / allocatable); 0 when over or nothing allocatable. */
export function leastRequestedScore(requested: number, allocatable: number): number {
  if (allocatable <= 0 || requested > allocatable) return 0;
  return Math.floor(((allocatable - requested) * MAX_NODE_SCORE) / allocatable);
}

/**
 * score = floor(mean over cpu, memory (weights 1) of leastRequestedScore), where requested =
 * the node's non-zero requests + the pod's non-zero requests; resources with 0 allocatable
 * are skipped.
 */
export function score(ctx: CycleContext, _pod: Pod, nodeInfo: NodeInfo): number {
  const pod = ctx.podInfo.nonZeroRequests;
  const used = nodeInfo.nonZeroRequested;
  const alloc = nodeInfo.allocatable;
  let sum = 0;
  let n = 0;
  if (alloc.milliCpu > 0) {
    sum += leastRequestedScore(used.milliCpu + pod.milliCpu, alloc.milliCpu);
    n++;
  }
  if (alloc.memory > 0) {
    sum += leastRequestedScore(used.memory + pod.memory, alloc.memory);
    n++;
  }
  return n === 0 ? 0 : Math.floor(sum / n);
}
