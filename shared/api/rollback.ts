// What `kubectl rollout undo` puts back into a workload, shared by `drover rollout undo` and the
// Rollout controller's automatic rollback: a DaemonSet's ControllerRevision (its data is the
// patch) or a Deployment's ReplicaSet (its template without the pod-template-hash label, as
// kubectl's DeploymentRollbacker), and which revision "previous" or `--to-revision N` names.

import {
  type ControllerRevision,
  type Deployment,
  POD_TEMPLATE_HASH_LABEL,
  type ReplicaSet,
  REVISION_ANNOTATION,
} from './apps.js';

/** A Deployment's pod template as a ReplicaSet of one of its revisions holds it. */
export function templateOfReplicaSet(rs: ReplicaSet): Deployment['spec']['template'] {
  const template = JSON.parse(JSON.stringify(rs.spec.template)) as Deployment['spec']['template'];
  if (template.metadata?.labels) delete template.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return template;
}

/** The revision number of a ReplicaSet (its deployment.kubernetes.io/revision) or a ControllerRevision. */
export function revisionNumber(o: ReplicaSet | ControllerRevision): number {
  if ('revision' in o && typeof o.revision === 'number') return o.revision;
  const v = o.metadata.annotations?.[REVISION_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : 0;
}

/**
 * The revision to go back to among a workload's: `toRevision`, or without it the newest but
 * one (the current template's revision is the newest, as both controllers number them).
 */
export function pickRevision<T extends ReplicaSet | ControllerRevision>(
  revisions: T[],
  toRevision?: string,
): T | undefined {
  const sorted = [...revisions].sort((a, b) => revisionNumber(b) - revisionNumber(a));
  return toRevision === undefined ? sorted[1] : sorted.find((r) => String(revisionNumber(r)) === toRevision);
}
