// Which PersistentVolume a claim binds to (pure; upstream pkg/controller/volume/persistentvolume
// findMatchingVolume, static volumes only): a volume pre-bound to the claim (its claimRef names
// it) or named by the claim's volumeName, else the smallest Available, unclaimed volume of the
// claim's storage class and volume mode that offers every access mode asked, at least the
// storage requested and the labels the claim's selector wants (of equal sizes, the first by
// name: the same answer whatever order the volumes come in).

import { fromLabelSelector, matches } from '../../../shared/api/labels.js';
import { parseQuantity } from '../../../shared/api/quantity.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../shared/api/volumes.js';

const storage = (list: Record<string, string> | undefined): number => {
  try {
    return parseQuantity(list?.storage ?? '0');
  } catch {
    return 0;
  }
};

const byName = (a: PersistentVolume, b: PersistentVolume): number => {
  const x = a.metadata.name ?? '';
  const y = b.metadata.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
};

/** The volume's claimRef names this claim (by namespace and name, and by uid when set). */
export function claimRefNames(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  const r = pv.spec.claimRef;
  return (
    !!r &&
    r.namespace === pvc.metadata.namespace &&
    r.name === pvc.metadata.name &&
    (!r.uid || r.uid === pvc.metadata.uid)
  );
}

/** Whether pv can serve pvc (class, mode, access modes, size, selector); ignores phase and claimRef. */
export function volumeFits(pv: PersistentVolume, pvc: PersistentVolumeClaim): boolean {
  if ((pv.spec.storageClassName ?? '') !== (pvc.spec.storageClassName ?? '')) return false;
  if ((pv.spec.volumeMode ?? 'Filesystem') !== (pvc.spec.volumeMode ?? 'Filesystem')) return false;
  const offered = new Set(pv.spec.accessModes ?? []);
  if (!(pvc.spec.accessModes ?? []).every((m) => offered.has(m))) return false;
  if (storage(pv.spec.capacity) < storage(pvc.spec.resources?.requests)) return false;
  if (pvc.spec.selector) {
    try {
      if (!matches(fromLabelSelector(pvc.spec.selector), pv.metadata.labels)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

export function pickVolume(
  pvc: PersistentVolumeClaim,
  pvs: PersistentVolume[],
): PersistentVolume | undefined {
  const live = pvs.filter((pv) => !pv.metadata.deletionTimestamp);
  const preBound = live.find((pv) => claimRefNames(pv, pvc) && volumeFits(pv, pvc));
  if (preBound) return preBound;
  if (pvc.spec.volumeName) {
    const named = live.find((pv) => pv.metadata.name === pvc.spec.volumeName);
    return named && !named.spec.claimRef && volumeFits(named, pvc) ? named : undefined;
  }
  return live
    .filter((pv) => !pv.spec.claimRef && pv.status?.phase === 'Available' && volumeFits(pv, pvc))
    .sort((a, b) => storage(a.spec.capacity) - storage(b.spec.capacity) || byName(a, b))[0];
}
