// NodeAffinity: filter on nodeSelector + required node affinity; score by preferred node
// affinity.

import type { Pod } from '../../../shared/api/types.js';
import {
  type CycleContext,
  defaultNormalizeScore,
  type NodeInfo,
  type Status,
  SUCCESS,
  unresolvable,
} from '../framework.js';
import { podMatchesNodeSelectorAndAffinity, termMatches } from '../node-selector.js';

export const name = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

export function filter(_ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): Status {
  return podMatchesNodeSelectorAndAffinity(pod, nodeInfo.labels, nodeInfo.name)
    ? SUCCESS
    : unresolvable(ERR_REASON_POD);
}

/** Raw score = sum of the weights of the preferred terms the node matches. */
export function score(_ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): number {
  let sum = 0;
  for (const p of pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (p.weight !== 0 && termMatches(p.preference, nodeInfo.labels, nodeInfo.name)) sum += p.weight;
  }
  return sum;
}

/** final = floor(100 * raw / max raw over the feasible nodes); all 0 when nothing matches. */
export function normalizeScore(_ctx: CycleContext, _pod: Pod, scores: number[]): void {
  defaultNormalizeScore(scores, false);
}
