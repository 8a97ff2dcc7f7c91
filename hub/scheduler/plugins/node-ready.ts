// NodeReady: only nodes whose Ready condition is True take new pods.

import type { Pod } from '../../../shared/api/types.js';
import { type CycleContext, type NodeInfo, type Status, SUCCESS, unschedulable } from '../framework.js';

export const name = 'NodeReady';
export const ERR_REASON_NOT_READY = 'node(s) were not ready';

export function filter(_ctx: CycleContext, _pod: Pod, nodeInfo: NodeInfo): Status {
  const ready = nodeInfo.node.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' ? SUCCESS : unschedulable(ERR_REASON_NOT_READY);
}
