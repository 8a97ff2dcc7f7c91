// The binder's indexes over the shared volume and claim informers, so an event or a reconcile
// reads the few objects it can concern instead of every volume or claim: a volume's claim by
// its claimRef, the unclaimed volumes a claim may take (by storage class: match.ts binds only
// within a class), and the claims still waiting for a volume (by the volume they name, or by
// their class when they name none).

import type { PersistentVolume, PersistentVolumeClaim } from '../../../shared/api/volumes.js';
import type { IndexFunc } from '../../informers/indexer.js';

/** Volumes by their claimRef, `namespace/name` (bound or pre-bound to that claim). */
export const INDEX_VOLUME_CLAIM = 'volume-claim';
/** Volumes without a claimRef, by storage class ('' for none). */
export const INDEX_UNCLAIMED_VOLUMES = 'unclaimed-volumes';
/** Pending claims: `volume:<name>` for one that names its volume, else `class:<storage class>`. */
export const INDEX_WAITING_CLAIMS = 'waiting-claims';

export const volumeClaimKey = (namespace: string | undefined, name: string | undefined): string =>
  `${namespace ?? ''}/${name ?? ''}`;
export const waitingForVolume = (name: string | undefined): string => `volume:${name ?? ''}`;
export const waitingInClass = (storageClass: string | undefined): string => `class:${storageClass ?? ''}`;

export const byVolumeClaim: IndexFunc<PersistentVolume> = (pv) => {
  const r = pv.spec.claimRef;
  return r?.name ? [volumeClaimKey(r.namespace, r.name)] : [];
};

export const unclaimedByClass: IndexFunc<PersistentVolume> = (pv) =>
  pv.spec.claimRef ? [] : [pv.spec.storageClassName ?? ''];

export const waitingClaims: IndexFunc<PersistentVolumeClaim> = (pvc) => {
  if ((pvc.status?.phase ?? 'Pending') !== 'Pending') return [];
  return [
    pvc.spec.volumeName ? waitingForVolume(pvc.spec.volumeName) : waitingInClass(pvc.spec.storageClassName),
  ];
};
