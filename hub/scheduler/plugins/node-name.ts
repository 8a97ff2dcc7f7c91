// NodeName: a pod that names its node (spec.nodeName) fits only that node.

import type { Pod } from '../../../shared/api/types.js';
import {
  type CycleContext,
  type NodeInfo,
  SKIP,
  type Skip,
  type Status,
  SUCCESS,
  unresolvable,
} from '../framework.js';

export const name = 'NodeName';
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

/** Skips the filter for a pod without spec.nodeName (every node passes). */
export function preFilter(_ctx: CycleContext, pod: Pod): Skip | undefined {
  return pod.spec.nodeName ? undefined : SKIP;
}

export function filter(_ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): Status {
  const want = pod.spec.nodeName;
  if (!want || want === nodeInfo.name) return SUCCESS;
  return unresolvable(ERR_REASON_NODE_NAME);
}
