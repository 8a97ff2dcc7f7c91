// Pod predicates and ordering the workload controllers share (k8s.io/kubernetes
// pkg/api/v1/pod and controller.ActivePodsWithRanks).

import { POD_DELETION_COST_ANNOTATION } from '../../shared/api/apps.js';
import type { Pod } from '../../shared/api/types.js';

/** Counts toward a controller's replicas: not finished and not being deleted. */
export function isPodActive(p: Pod): boolean {
  const phase = p.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !p.metadata.deletionTimestamp;
}

function readyCondition(p: Pod) {
  return p.status?.conditions?.find((c) => c.type === 'Ready');
}

export function isPodReady(p: Pod): boolean {
  return readyCondition(p)?.status === 'True';
}

/** When the pod last became ready, ms since epoch; undefined if not ready. */
export function readySince(p: Pod): number | undefined {
  const c = readyCondition(p);
  if (c?.status !== 'True') return undefined;
  const t = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : Number.NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** Ready for at least minReadySeconds (podutil.IsPodAvailable). */
export function isPodAvailable(p: Pod, minReadySeconds: number, now: number): boolean {
  // No wait: ready is available, without parsing when it became ready (a DaemonSet's status
  // asks this of every board's pod on each reconcile).
  if (!minReadySeconds) return isPodReady(p);
  const since = readySince(p);
  if (since === undefined) return false;
  if (!minReadySeconds) return true;
  return since + minReadySeconds * 1000 <= now;
}

/** ms until the ready pod becomes available; 0 when already, undefined when not ready. */
export function msUntilAvailable(p: Pod, minReadySeconds: number, now: number): number | undefined {
  if (!minReadySeconds) return isPodReady(p) ? 0 : undefined;
  const since = readySince(p);
  if (since === undefined) return undefined;
  return Math.max(0, since + minReadySeconds * 1000 - now);
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(p: Pod): number {
  return Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

function deletionCost(p: Pod): number {
  const v = Number(p.metadata.annotations?.[POD_DELETION_COST_ANNOTATION] ?? 0);
  return Number.isFinite(v) ? v : 0;
}

function created(p: Pod): number {
  const t = p.metadata.creationTimestamp ? Date.parse(p.metadata.creationTimestamp) : Number.NaN;
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/**
 * Deletion order (ActivePodsWithRanks.Less): the pod that sorts first is deleted first.
 * rank = how many of the controller's pods share the pod's node (doubled-up pods go first).
 */
export function compareForDeletion(a: Pod, b: Pod, rank: (p: Pod) => number = () => 0): number {
  // 1. unassigned < assigned
  const sa = a.spec.nodeName ? 1 : 0;
  const sb = b.spec.nodeName ? 1 : 0;
  if (sa !== sb) return sa - sb;
  // 2. Pending < Unknown < Running
  const pa = PHASE_RANK[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = PHASE_RANK[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  // 3. not ready < ready
  const ra = isPodReady(a) ? 1 : 0;
  const rb = isPodReady(b) ? 1 : 0;
  if (ra !== rb) return ra - rb;
  // 4. lower pod-deletion-cost < higher
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca - cb;
  // 5. doubled up (higher rank) < not
  const ka = rank(a);
  const kb = rank(b);
  if (ka !== kb) return kb - ka;
  // 6. ready for less time < more time
  if (ra && rb) {
    const ta = readySince(a) ?? 0;
    const tb = readySince(b) ?? 0;
    if (ta !== tb) return tb - ta;
  }
  // 7. more restarts < fewer
  const xa = restarts(a);
  const xb = restarts(b);
  if (xa !== xb) return xb - xa;
  // 8. newer < older (missing creation time first)
  const na = created(a);
  const nb = created(b);
  if (na !== nb) return nb - na;
  return 0;
}

/** The n pods to delete first, ranking pods by how many of `pods` share their node. */
export function podsToDelete(pods: Pod[], n: number): Pod[] {
  const perNode = new Map<string, number>();
  for (const p of pods)
    if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const rank = (p: Pod) => (p.spec.nodeName ? (perNode.get(p.spec.nodeName) ?? 0) : 0);
  return [...pods].sort((a, b) => compareForDeletion(a, b, rank)).slice(0, Math.max(0, n));
}
