// core/v1 PersistentVolumeClaim: upstream's defaults (volume mode Filesystem) and validation
// (access modes, a storage request; the spec is immutable once created, except the requests,
// and volumeName, which the binder sets once), status subresource (phase Pending on create,
// Bound by the binder), kubectl's columns.

import type { StatusCause } from '../../../shared/api/types.js';
import { type PersistentVolumeClaim, shortAccessModes } from '../../../shared/api/volumes.js';
import { canonicalJson, cause } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { kindSchema, labelSelector, obj, str, strArr, strMap } from '../schema.js';
import { age, ageColumn, col, nameColumn } from '../table.js';
import { validateAccessModes, validateStorage, validateVolumeMode } from './persistentvolumes.js';

function validate(pvc: PersistentVolumeClaim, old?: PersistentVolumeClaim): StatusCause[] {
  const s = pvc.spec ?? {};
  const out = [
    ...validateAccessModes(s.accessModes, 'spec.accessModes'),
    ...validateStorage(s.resources?.requests, 'spec.resources'),
    ...validateVolumeMode(s.volumeMode, 'spec.volumeMode'),
  ];
  if (old) {
    // Binding sets volumeName once; requests may change; the rest is fixed at creation.
    const rest = (p: PersistentVolumeClaim) =>
      canonicalJson({ ...p.spec, resources: undefined, volumeName: undefined });
    if (rest(pvc) !== rest(old))
      out.push(
        cause(
          'spec',
          'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
          'FieldValueForbidden',
        ),
      );
    if (old.spec.volumeName && pvc.spec.volumeName !== old.spec.volumeName)
      out.push(
        cause('spec.volumeName', 'Forbidden: spec is immutable after creation', 'FieldValueForbidden'),
      );
  }
  return out;
}

export const persistentvolumeclaims: ResourceDef<PersistentVolumeClaim> = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumeclaims',
  kind: 'PersistentVolumeClaim',
  singular: 'persistentvolumeclaim',
  shortNames: ['pvc'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status'],
  schema: kindSchema({
    spec: obj({
      accessModes: strArr,
      resources: obj({ requests: strMap, limits: strMap }),
      storageClassName: str,
      volumeName: str,
      volumeMode: str,
      selector: labelSelector,
    }),
    status: obj({ phase: str, accessModes: strArr, capacity: strMap }),
  }),
  defaults(pvc) {
    pvc.spec ??= {};
    pvc.spec.volumeMode ??= 'Filesystem';
  },
  prepareCreate(pvc) {
    pvc.status = { phase: 'Pending' };
  },
  validate: (pvc, old) => validate(pvc, old),
  table: {
    columns: [
      nameColumn,
      col('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
      col(
        'Volume',
        'string',
        'volumeName is the binding reference to the PersistentVolume backing this claim.',
      ),
      col('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
      col('Access Modes', 'string', 'accessModes contains the desired access modes the volume should have.'),
      col(
        'StorageClass',
        'string',
        'storageClassName is the name of the StorageClass required by the claim.',
      ),
      col(
        'VolumeAttributesClass',
        'string',
        'volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.',
      ),
      ageColumn,
    ],
    cells: (pvc, now) => [
      pvc.metadata.name,
      pvc.status?.phase ?? '',
      pvc.spec.volumeName ?? '',
      pvc.status?.capacity?.storage ?? '',
      shortAccessModes(pvc.status?.accessModes),
      pvc.spec.storageClassName ?? '',
      '<unset>',
      age(pvc.metadata.creationTimestamp, now),
    ],
  },
};
