// NodeReady: only nodes whose Ready condition is True take new pods (NodeInfo.ready, derived
// from the node's conditions on each node update).

import type { Pod } from '../../../shared/api/types.js';
import { type CycleContext, type NodeInfo, type Status, SUCCESS, unschedulable } from '../framework.js';

export const name = 'NodeReady';
export const ERR_REASON_NOT_READY = 'node(s) were not ready';

export function filter(_ctx: CycleContext, _pod: Pod, nodeInfo: NodeInfo): Status {
  return nodeInfo.ready ? SUCCESS : unschedulable(ERR_REASON_NOT_READY);
}
