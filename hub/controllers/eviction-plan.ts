// When a pod on a node with NoExecute taints must go (Kubernetes' NoExecute taint manager,
// plus Drover's per-node autonomy window). Per NoExecute taint:
//   not tolerated                       -> due at once
//   tolerated, some matching toleration with tolerationSeconds -> due at timeAdded + the
//     smallest of them (<= 0 counts as 0)
//   tolerated with no tolerationSeconds -> never
// For the node-health taints (unreachable, not-ready) a node's autonomy window replaces that
// delay: `0` = never, N = N seconds after timeAdded (pods tolerating forever stay forever).
// The pod is evicted at the earliest due time over its node's NoExecute taints.

import type { Taint, Toleration } from '../../shared/api/types.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from '../../shared/protocol/constants.js';
import { toleratesTaint } from '../scheduler/tolerations.js';

/** Node annotation: seconds a board may stay unreachable/not-ready before its pods are evicted; 0 = never. */
export const AUTONOMY_ANNOTATION = 'drover.io/autonomy-seconds';

const HEALTH_TAINTS = new Set([TAINT_UNREACHABLE, TAINT_NOT_READY]);

export interface EvictionPlan {
  /** ms since epoch; undefined = keep the pod. */
  evictAtMs?: number;
  /** The taint that decides evictAtMs. */
  taint?: Taint;
  /** A node-health taint that would have evicted the pod but the autonomy window `0` keeps it. */
  suppressedBy?: Taint;
}

/** The autonomy annotation's value: undefined when absent; throws on a malformed value. */
export function parseAutonomy(annotations: Record<string, string> | undefined): number | undefined {
  const v = annotations?.[AUTONOMY_ANNOTATION];
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim()))
    throw new RangeError(`${AUTONOMY_ANNOTATION}="${v}" is not a whole number of seconds`);
  return Number(v.trim());
}

/** Delay in seconds before taint evicts the pod; Infinity = never. */
function delaySeconds(tolerations: readonly Toleration[], taint: Taint): number {
  const matching = tolerations.filter((t) => toleratesTaint(t, taint));
  if (matching.length === 0) return 0;
  const secs = matching
    .filter((t) => typeof t.tolerationSeconds === 'number')
    .map((t) => t.tolerationSeconds ?? 0);
  if (secs.length === 0) return Number.POSITIVE_INFINITY;
  return Math.max(0, Math.min(...secs));
}

export function planEviction(
  tolerations: readonly Toleration[] | undefined,
  taints: readonly Taint[] | undefined,
  autonomySeconds: number | undefined,
  /** When the taint was added, ms since epoch (its timeAdded, or when first seen). */
  addedMs: (t: Taint) => number,
): EvictionPlan {
  const plan: EvictionPlan = {};
  for (const taint of taints ?? []) {
    if (taint.effect !== 'NoExecute') continue;
    let delay = delaySeconds(tolerations ?? [], taint);
    if (autonomySeconds !== undefined && HEALTH_TAINTS.has(taint.key) && Number.isFinite(delay)) {
      if (autonomySeconds === 0) {
        plan.suppressedBy ??= taint;
        continue;
      }
      delay = autonomySeconds;
    }
    if (!Number.isFinite(delay)) continue;
    const at = addedMs(taint) + delay * 1000;
    if (plan.evictAtMs === undefined || at < plan.evictAtMs) {
      plan.evictAtMs = at;
      plan.taint = taint;
    }
  }
  return plan;
}
