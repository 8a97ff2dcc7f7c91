// Rollout arithmetic of the Deployment controller (k8s.io/kubernetes pkg/controller/deployment/util):
// maxSurge/maxUnavailable resolution, how far the new ReplicaSet may grow, how far old ones may
// shrink, proportional scaling. Pure functions, unit-tested table by table.

import type { Deployment, IntOrString, ReplicaSet } from '../../../shared/api/apps.js';
import { MAX_REPLICAS_ANNOTATION } from '../../../shared/api/apps.js';

export class InvalidIntOrPercentError extends Error {
  override name = 'InvalidIntOrPercentError';
}

/** intstr.GetScaledValueFromIntOrPercent: percent of total, rounded up or down. */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) {
    if (/^\d+$/.test(v)) return Number(v);
    throw new InvalidIntOrPercentError(`invalid value "${v}": must be an integer or a percentage`);
  }
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** ResolveFenceposts: surge rounds up, unavailable down; both 0 -> unavailable 1. */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function replicasOf(d: Deployment): number {
  return d.spec.replicas ?? 1;
}

const isRolling = (d: Deployment) => (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

/** MaxSurge(d): 0 for Recreate. */
export function maxSurge(d: Deployment): number {
  if (!isRolling(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d)).surge;
}

/** MaxUnavailable(d): 0 for Recreate or 0 replicas, at most replicas. */
export function maxUnavailable(d: Deployment): number {
  const r = replicasOf(d);
  if (!isRolling(d) || r === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  const u = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, r).unavailable;
  return Math.min(u, r);
}

export const specReplicas = (rs: ReplicaSet | undefined) => rs?.spec.replicas ?? 0;
export const sum = (rss: (ReplicaSet | undefined)[], f: (rs: ReplicaSet) => number) =>
  rss.reduce((n, rs) => n + (rs ? f(rs) : 0), 0);
export const availableOf = (rs: ReplicaSet) => rs.status?.availableReplicas ?? 0;
export const actualOf = (rs: ReplicaSet) => rs.status?.replicas ?? 0;
export const readyOf = (rs: ReplicaSet) => rs.status?.readyReplicas ?? 0;

/**
 * Pods a ReplicaSet may have right now. Upstream counts spec.replicas only; Drover also counts
 * status.replicas, so the surge budget is not spent on a scale-down whose pods still exist:
 * "never more than replicas + maxSurge pods" then holds for actual pods, not only for specs.
 */
export const podBudgetOf = (rs: ReplicaSet) => Math.max(specReplicas(rs), actualOf(rs));

/** NewRSNewReplicas: the new ReplicaSet's next size. */
export function newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = replicasOf(d);
  if (!isRolling(d)) return replicas;
  const surge = maxSurge(d);
  const current = sum(allRSs, (rs) => (rs === newRS ? specReplicas(rs) : podBudgetOf(rs)));
  const maxTotal = replicas + surge;
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + Math.max(0, up);
}

/** How many old pods may go now (reconcileOldReplicaSets' maxScaledDown). */
export function maxScaledDown(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): number {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = newRS ? specReplicas(newRS) - availableOf(newRS) : 0;
  return sum(allRSs, specReplicas) - minAvailable - newUnavailable;
}

const created = (rs: ReplicaSet) => Date.parse(rs.metadata.creationTimestamp ?? '') || 0;

/** Oldest first (controller.ReplicaSetsByCreationTimestamp), ties by name. */
export function byCreation(rss: ReplicaSet[]): ReplicaSet[] {
  return [...rss].sort(
    (a, b) => created(a) - created(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}

/**
 * cleanupUnhealthyReplicas: scale down unavailable pods of old ReplicaSets first (oldest
 * first), at most maxCleanup in total. Returns the new sizes by name and the count removed.
 */
export function cleanupUnhealthy(
  oldRSs: ReplicaSet[],
  maxCleanup: number,
): { sizes: Map<string, number>; removed: number } {
  const sizes = new Map<string, number>();
  let removed = 0;
  for (const rs of byCreation(oldRSs)) {
    if (removed >= maxCleanup) break;
    const spec = specReplicas(rs);
    if (spec === 0) continue;
    const unhealthy = spec - availableOf(rs);
    if (unhealthy <= 0) continue;
    const n = Math.min(maxCleanup - removed, unhealthy);
    sizes.set(rs.metadata.name ?? '', spec - n);
    removed += n;
  }
  return { sizes, removed };
}

/**
 * scaleDownOldReplicaSetsForRollingUpdate: available pods above minAvailable may go, oldest
 * ReplicaSets first. allRSs carry sizes after cleanupUnhealthy.
 */
export function scaleDownOld(
  d: Deployment,
  allRSs: ReplicaSet[],
  oldRSs: ReplicaSet[],
): { sizes: Map<string, number>; removed: number } {
  const sizes = new Map<string, number>();
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const available = sum(allRSs, availableOf);
  if (available <= minAvailable) return { sizes, removed: 0 };
  const total = available - minAvailable;
  let removed = 0;
  for (const rs of byCreation(oldRSs)) {
    if (removed >= total) break;
    const spec = specReplicas(rs);
    if (spec === 0) continue;
    const n = Math.min(spec, total - removed);
    sizes.set(rs.metadata.name ?? '', spec - n);
    removed += n;
  }
  return { sizes, removed };
}

function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  const v = rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** getReplicaSetFraction: this ReplicaSet's share of a resize, by its max-replicas annotation. */
export function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  if (replicasOf(d) === 0) return -specReplicas(rs);
  const deploymentReplicas = replicasOf(d) + maxSurge(d);
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  const size = (specReplicas(rs) * deploymentReplicas) / annotated;
  return Math.round(size) - specReplicas(rs);
}

/**
 * Proportional scaling (DeploymentController.scale, rolling case): spread the difference
 * between the allowed size and the active ReplicaSets' total over them, leftovers to the
 * largest. Returns the new size per ReplicaSet name.
 */
export function proportionalSizes(d: Deployment, activeRSs: ReplicaSet[]): Map<string, number> {
  const total = sum(activeRSs, specReplicas);
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowed - total;
  const sorted = [...activeRSs].sort((a, b) => {
    // Adding: larger first, newer first on ties. Removing: larger first, older first on ties.
    if (specReplicas(a) !== specReplicas(b)) return specReplicas(b) - specReplicas(a);
    return toAdd > 0 ? created(b) - created(a) : created(a) - created(b);
  });
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of sorted) {
    let proportion = 0;
    if (toAdd !== 0 && specReplicas(rs) !== 0 && toAdd !== added) {
      const frac = replicaSetFraction(rs, d);
      const allowedLeft = toAdd - added;
      proportion = toAdd > 0 ? Math.min(frac, allowedLeft) : Math.max(frac, allowedLeft);
    }
    sizes.set(rs.metadata.name ?? '', specReplicas(rs) + proportion);
    added += proportion;
  }
  if (sorted.length && added !== toAdd) {
    const first = sorted[0].metadata.name ?? '';
    sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + toAdd - added));
  }
  return sizes;
}
