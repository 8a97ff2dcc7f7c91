// TaintToleration: filter out nodes with a NoSchedule/NoExecute taint the pod does not
// tolerate; prefer nodes with fewer intolerable PreferNoSchedule taints.

import type { Pod, Taint, Toleration } from '../../../shared/api/types.js';
import {
  type CycleContext,
  defaultNormalizeScore,
  type NodeInfo,
  type Status,
  SUCCESS,
  unresolvable,
} from '../framework.js';
import { tolerated } from '../tolerations.js';

export const name = 'TaintToleration';

export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

export function filter(_ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): Status {
  // NodeInfo keeps the NoSchedule/NoExecute taints apart, in the node's order.
  for (const taint of nodeInfo.noScheduleTaints) {
    if (!tolerated(pod.spec.tolerations, taint)) return unresolvable(untoleratedTaintReason(taint));
  }
  return SUCCESS;
}

/** The tolerations that count for PreferNoSchedule taints, once per cycle. */
export function preScore(ctx: CycleContext, pod: Pod): undefined {
  ctx.state.set(
    name,
    (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule'),
  );
  return undefined;
}

/** Raw score = number of PreferNoSchedule taints not tolerated (by tolerations with effect '' or PreferNoSchedule). */
export function score(ctx: CycleContext, pod: Pod, nodeInfo: NodeInfo): number {
  const taints = nodeInfo.preferNoScheduleTaints;
  if (taints.length === 0) return 0;
  if (!ctx.state.has(name)) preScore(ctx, pod);
  const tolerations = ctx.state.get(name) as Toleration[];
  let n = 0;
  for (const taint of taints) {
    if (!tolerated(tolerations, taint)) n++;
  }
  return n;
}

/** final = 100 - floor(100 * raw / max raw); all 100 when no node has such taints. */
export function normalizeScore(_ctx: CycleContext, _pod: Pod, scores: number[]): void {
  defaultNormalizeScore(scores, true);
}
