// Revision bookkeeping (deployment util): the deployment.kubernetes.io/revision annotation on
// ReplicaSets and the Deployment, and the annotations copied from a Deployment to its new
// ReplicaSet (kubernetes.io/change-cause among them, which `kubectl rollout history` shows).

import {
  DESIRED_REPLICAS_ANNOTATION,
  type Deployment,
  LAST_APPLIED_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  type ReplicaSet,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
} from '../../../shared/api/apps.js';
import { maxSurge, replicasOf } from './rollout-math.js';

const DEPRECATED_ROLLBACK_TO = 'deprecated.deployment.rollback.to';
const NOT_COPIED = new Set([
  LAST_APPLIED_ANNOTATION,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  DEPRECATED_ROLLBACK_TO,
]);

export function revisionOf(o: { metadata: { annotations?: Record<string, string> } }): number {
  const v = o.metadata.annotations?.[REVISION_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : 0;
}

export function maxRevision(rss: ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

function annotations(o: { metadata: { annotations?: Record<string, string> } }): Record<string, string> {
  o.metadata.annotations ??= {};
  return o.metadata.annotations;
}

/** copyDeploymentAnnotationsToReplicaSet; true when something changed. */
export function copyAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || rs.metadata.annotations?.[k] === v) continue;
    annotations(rs)[k] = v;
    changed = true;
  }
  return changed;
}

/** SetReplicasAnnotations: desired-replicas and max-replicas (replicas + maxSurge). */
export function setReplicasAnnotations(rs: ReplicaSet, d: Deployment): boolean {
  const desired = String(replicasOf(d));
  const max = String(replicasOf(d) + maxSurge(d));
  const a = rs.metadata.annotations ?? {};
  if (a[DESIRED_REPLICAS_ANNOTATION] === desired && a[MAX_REPLICAS_ANNOTATION] === max) return false;
  annotations(rs)[DESIRED_REPLICAS_ANNOTATION] = desired;
  annotations(rs)[MAX_REPLICAS_ANNOTATION] = max;
  return true;
}

export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, d: Deployment): boolean {
  const a = rs.metadata.annotations ?? {};
  return (
    a[DESIRED_REPLICAS_ANNOTATION] !== String(replicasOf(d)) ||
    a[MAX_REPLICAS_ANNOTATION] !== String(replicasOf(d) + maxSurge(d))
  );
}

/** SetNewReplicaSetAnnotations; true when the ReplicaSet needs a write. */
export function setNewRSAnnotations(
  d: Deployment,
  rs: ReplicaSet,
  newRevision: number,
  exists: boolean,
): boolean {
  let changed = copyAnnotations(d, rs);
  const old = rs.metadata.annotations?.[REVISION_ANNOTATION];
  if (revisionOf(rs) < newRevision) {
    annotations(rs)[REVISION_ANNOTATION] = String(newRevision);
    if (old) {
      const hist = rs.metadata.annotations?.[REVISION_HISTORY_ANNOTATION];
      annotations(rs)[REVISION_HISTORY_ANNOTATION] = hist ? `${hist},${old}` : old;
    }
    changed = true;
  }
  if (!exists && setReplicasAnnotations(rs, d)) changed = true;
  return changed;
}

/** SetDeploymentRevision; true when changed. */
export function setDeploymentRevision(d: Deployment, revision: string): boolean {
  if (d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return false;
  annotations(d)[REVISION_ANNOTATION] = revision;
  return true;
}

/** Desired-replicas annotation of a ReplicaSet, undefined when absent. */
export function desiredReplicasOf(rs: ReplicaSet): number | undefined {
  const v = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}
