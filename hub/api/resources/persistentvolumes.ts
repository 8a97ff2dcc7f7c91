// core/v1 PersistentVolume (cluster-scoped): upstream's defaults (reclaim policy Retain,
// volume mode Filesystem) and validation (a storage capacity, access modes, exactly one volume
// source), status subresource (phase, written by the binder), kubectl's columns.

import type { StatusCause } from '../../../shared/api/types.js';
import { isValidQuantity } from '../../../shared/api/quantity.js';
import {
  ACCESS_MODES,
  type PersistentVolume,
  RECLAIM_POLICIES,
  shortAccessModes,
  VOLUME_MODES,
  VOLUME_SOURCES,
} from '../../../shared/api/volumes.js';
import { cause, notSupported, required } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { any, bool, kindSchema, obj, objectReference, str, strArr, strMap } from '../schema.js';
import { age, ageColumn, col, nameColumn } from '../table.js';

/** Access modes: at least one, each known (shared with claims). */
export function validateAccessModes(modes: string[] | undefined, f: string): StatusCause[] {
  if (!modes?.length) return [required(f)];
  return modes.filter((m) => !ACCESS_MODES.includes(m)).map((m) => notSupported(f, m, ACCESS_MODES));
}

/** A storage quantity under `resources` (capacity or requests): present and a valid quantity. */
export function validateStorage(list: Record<string, string> | undefined, f: string): StatusCause[] {
  const v = list?.storage;
  if (v === undefined) return [required(`${f}[storage]`)];
  return isValidQuantity(v) ? [] : [cause(`${f}[storage]`, `Invalid value: "${v}": must be a quantity`)];
}

export function validateVolumeMode(mode: string | undefined, f: string): StatusCause[] {
  return mode !== undefined && !VOLUME_MODES.includes(mode) ? [notSupported(f, mode, VOLUME_MODES)] : [];
}

function validate(pv: PersistentVolume): StatusCause[] {
  const s = pv.spec ?? {};
  const out = [
    ...validateStorage(s.capacity, 'spec.capacity'),
    ...validateAccessModes(s.accessModes, 'spec.accessModes'),
    ...validateVolumeMode(s.volumeMode, 'spec.volumeMode'),
  ];
  const policy = s.persistentVolumeReclaimPolicy;
  if (policy !== undefined && !RECLAIM_POLICIES.includes(policy))
    out.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  const sources = VOLUME_SOURCES.filter((k) => s[k] !== undefined);
  if (sources.length === 0) out.push(required('spec', 'must specify a volume type'));
  if (sources.length > 1)
    out.push(
      cause(
        `spec.${sources[1]}`,
        'Forbidden: may not specify more than 1 volume type',
        'FieldValueForbidden',
      ),
    );
  for (const k of ['hostPath', 'local'] as const) {
    const p = s[k]?.path;
    if (s[k] && !p?.startsWith('/'))
      out.push(cause(`spec.${k}.path`, `Invalid value: "${p ?? ''}": must be an absolute path`));
  }
  return out;
}

export const persistentvolumes: ResourceDef<PersistentVolume> = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumes',
  kind: 'PersistentVolume',
  singular: 'persistentvolume',
  shortNames: ['pv'],
  namespaced: false,
  verbs: ALL_VERBS,
  subresources: ['status'],
  schema: kindSchema({
    spec: obj({
      capacity: strMap,
      accessModes: strArr,
      persistentVolumeReclaimPolicy: str,
      storageClassName: str,
      volumeMode: str,
      claimRef: objectReference,
      mountOptions: strArr,
      hostPath: obj({ path: str, type: str }),
      local: obj({ path: str, fsType: str }),
      nfs: obj({ server: str, path: str, readOnly: bool }),
      csi: any,
      nodeAffinity: any,
    }),
    status: obj({ phase: str, message: str, reason: str, lastPhaseTransitionTime: str }),
  }),
  defaults(pv) {
    pv.spec ??= {};
    pv.spec.persistentVolumeReclaimPolicy ??= 'Retain';
    pv.spec.volumeMode ??= 'Filesystem';
  },
  prepareCreate(pv) {
    pv.status = { phase: 'Pending' };
  },
  validate: (pv) => validate(pv),
  table: {
    columns: [
      nameColumn,
      col('Capacity', 'string', 'capacity is the description of the persistent volume'),
      col('Access Modes', 'string', 'accessModes contains the desired access modes the volume should have.'),
      col(
        'Reclaim Policy',
        'string',
        'persistentVolumeReclaimPolicy defines what happens to a volume when released from its claim.',
      ),
      col(
        'Status',
        'string',
        'phase indicates if a volume is available, bound to a claim, or released by a claim.',
      ),
      col(
        'Claim',
        'string',
        'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.',
      ),
      col(
        'StorageClass',
        'string',
        'storageClassName is the name of StorageClass to which this persistent volume belongs.',
      ),
      col(
        'VolumeAttributesClass',
        'string',
        'Name of VolumeAttributesClass to which this persistent volume belongs.',
      ),
      col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure.'),
      ageColumn,
    ],
    cells: (pv, now) => [
      pv.metadata.name,
      pv.spec.capacity?.storage ?? '',
      shortAccessModes(pv.spec.accessModes),
      pv.spec.persistentVolumeReclaimPolicy ?? '',
      pv.status?.phase ?? '',
      pv.spec.claimRef ? `${pv.spec.claimRef.namespace}/${pv.spec.claimRef.name}` : '',
      pv.spec.storageClassName ?? '',
      '<unset>',
      pv.status?.reason ?? '',
      age(pv.metadata.creationTimestamp, now),
    ],
  },
};
