// NodeResourcesFit (filter): the pod's requests fit in allocatable minus what the node's pods
// already request, for cpu, memory and the pod count. Every shortfall is reported, as k8s does.

import type { Pod } from '../../../shared/api/types.js';
import { type CycleContext, type NodeInfo, type Status, SUCCESS } from '../framework.js';

export const name = 'NodeResourcesFit';
export const ERR_REASON_TOO_MANY_PODS = 'Too many pods';
export const ERR_REASON_CPU = 'Insufficient cpu';
export const ERR_REASON_MEMORY = 'Insufficient memory';

export function filter(ctx: CycleContext, _pod: Pod, nodeInfo: NodeInfo): Status {
  const req = ctx.podInfo.requests;
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  const reasons: string[] = [];
  if (nodeInfo.pods.size + 1 > alloc.pods) reasons.push(ERR_REASON_TOO_MANY_PODS);
  if (req.milliCpu > 0 && req.milliCpu > alloc.milliCpu - used.milliCpu) reasons.push(ERR_REASON_CPU);
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) reasons.push(ERR_REASON_MEMORY);
  return reasons.length === 0 ? SUCCESS : { code: 'Unschedulable', reasons };
}
