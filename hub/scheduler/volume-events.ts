// Which claim and volume events can let a pod that VolumeBinding turned away fit now (upstream's
// queueing hints): a claim that appears, goes, binds or starts deleting; a volume whose binding
// or node affinity changes. Anything else (a status condition, a label, a resize request) moves
// no parked pod: every such write would otherwise retry the whole unschedulable queue.

import type { PersistentVolume, PersistentVolumeClaim } from '../../shared/api/volumes.js';

type Change = 'ADDED' | 'MODIFIED' | 'DELETED';

export function claimMayUnblock(
  type: Change,
  c: PersistentVolumeClaim,
  old?: PersistentVolumeClaim,
): boolean {
  if (type !== 'MODIFIED' || !old) return true;
  return (
    old.status?.phase !== c.status?.phase ||
    old.spec.volumeName !== c.spec.volumeName ||
    !old.metadata.deletionTimestamp !== !c.metadata.deletionTimestamp
  );
}

export function volumeMayUnblock(type: Change, v: PersistentVolume, old?: PersistentVolume): boolean {
  if (type !== 'MODIFIED' || !old) return true;
  return (
    old.status?.phase !== v.status?.phase ||
    JSON.stringify(old.spec.claimRef ?? null) !== JSON.stringify(v.spec.claimRef ?? null) ||
    JSON.stringify(old.spec.nodeAffinity ?? null) !== JSON.stringify(v.spec.nodeAffinity ?? null)
  );
}
