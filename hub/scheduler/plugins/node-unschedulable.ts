// NodeUnschedulable: a cordoned node (spec.unschedulable) takes no new pods unless the pod
// tolerates the node.kubernetes.io/unschedulable:NoSchedule taint.

import type { Pod, Taint } from '../../../shared/api/types.js';
import { type CycleContext, type NodeInfo, type Status, SUCCESS, unresolvable } from '../framework.js';
import { tolerated } from '../tolerations.js';

export const name = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export function filter(_ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): Status {
  if (!nodeInfo.unschedulable) return SUCCESS;
  if (tolerated(pod.spec.tolerations, UNSCHEDULABLE_TAINT)) return SUCCESS;
  return unresolvable(ERR_REASON_UNSCHEDULABLE);
}
