// NodeResourcesFit (filter): the pod's requests fit in allocatable minus what the node's pods
// already request, for cpu, memory and the pod count. Every shortfall is reported, as k8s does.

import type { Pod } from '../../../shared/api/types.js';
import { type CycleContext, type NodeInfo, type Resources, type Status, SUCCESS } from '../framework.js';

export const name = 'NodeResourcesFit';
export const ERR_REASON_TOO_MANY_PODS = 'Too many pods';
export const ERR_REASON_CPU = 'Insufficient cpu';
export const ERR_REASON_MEMORY = 'Insufficient memory';

function tooManyPods(nodeInfo: NodeInfo): boolean {
  return nodeInfo.pods.size + 1 > nodeInfo.allocatable.pods;
}

function insufficientCpu(req: Resources, nodeInfo: NodeInfo): boolean {
  return req.milliCpu > 0 && req.milliCpu > nodeInfo.allocatable.milliCpu - nodeInfo.requested.milliCpu;
}

function insufficientMemory(req: Resources, nodeInfo: NodeInfo): boolean {
  return req.memory > 0 && req.memory > nodeInfo.allocatable.memory - nodeInfo.requested.memory;
}

export function filter(ctx: CycleContext, _pod: Pod, nodeInfo: NodeInfo): Status {
  const req = ctx.podInfo.requests;
  // The common case (it fits) returns before allocating anything: this runs for every node
  // scanned. (Measured: computing all three checks first made V8 allocate on every call.)
  if (!tooManyPods(nodeInfo) && !insufficientCpu(req, nodeInfo) && !insufficientMemory(req, nodeInfo))
    return SUCCESS;
  const reasons: string[] = [];
  if (tooManyPods(nodeInfo)) reasons.push(ERR_REASON_TOO_MANY_PODS);
  if (insufficientCpu(req, nodeInfo)) reasons.push(ERR_REASON_CPU);
  if (insufficientMemory(req, nodeInfo)) reasons.push(ERR_REASON_MEMORY);
  return { code: 'Unschedulable', reasons };
}
