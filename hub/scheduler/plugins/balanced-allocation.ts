// NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory would be used in equal
// proportion after placing the pod (so neither runs out while the other idles).

import type { Pod } from '../../../shared/api/types.js';
import { type CycleContext, MAX_NODE_SCORE, type NodeInfo } from '../framework.js';

export const name = 'NodeResourcesBalancedAllocation';

/**
 * fraction_r = min(1, (node requested_r + pod request_r) / allocatable_r) for r in cpu, memory
 * (skipping allocatable 0); std = |f_cpu - f_mem| / 2 (the population stddev of two values);
 * score = floor((1 - std) * 100). Real requests, not the non-zero defaults, as k8s does. A pod
 * requesting neither cpu nor memory gets 0 everywhere (k8s skips it).
 */
export function score(ctx: CycleContext, _pod: Pod, nodeInfo: NodeInfo): number {
  const pod = ctx.podInfo.requests;
  if (pod.milliCpu === 0 && pod.memory === 0) return 0;
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  // With one (or no) resource counted the stddev is 0.
  if (alloc.milliCpu <= 0 || alloc.memory <= 0) return MAX_NODE_SCORE;
  const fCpu = Math.min(1, (used.milliCpu + pod.milliCpu) / alloc.milliCpu);
  const fMem = Math.min(1, (used.memory + pod.memory) / alloc.memory);
  const std = Math.abs(fCpu - fMem) / 2;
  return Math.floor((1 - std) * MAX_NODE_SCORE);
}
