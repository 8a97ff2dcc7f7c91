// Pull before stop for a Deployment (#18): a ReplicaSet scaled down during a rollout tells
// each pod it deletes the images of its Deployment's newest ReplicaSet (the highest
// deployment.kubernetes.io/revision), so a board whose replacement lands on it keeps the old
// pod serving until they are pulled. Only a rolling update without surge (maxSurge 0: the old
// pod goes before its replacement comes, as a hostPort or a board-pinned replica needs). The
// replacement may land elsewhere: then that board has pulled ahead for nothing but an image
// GC can take back; the old pod still goes once the pull ends. Not under a Rollout (see
// hub/controllers/replicaset.ts successor).
import type { ReplicaSetView } from '../../shared/api/replication-controller.js';
import { podSpecImages } from '../../shared/api/next-images.js';
import { revisionOf } from './deployment/revision.js';

/** The images pods of `rs` are replaced with: the newest sibling's, else its own (nothing to announce). */
export function successorImages(rs: ReplicaSetView, siblings: readonly ReplicaSetView[]): string[] {
  let newest = rs;
  for (const s of siblings)
    if (s.metadata.uid !== rs.metadata.uid && revisionOf(s) > revisionOf(newest)) newest = s;
  return podSpecImages(newest.spec.template.spec);
}
