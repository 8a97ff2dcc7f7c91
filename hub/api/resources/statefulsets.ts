// apps/v1 StatefulSet: status and scale subresources, upstream's defaults (OrderedReady,
// RollingUpdate with partition 0, one replica, history 10, claims retained) and validation
// (selector and template as the other workloads, the enums, the spec fields upstream lets an
// update change), kubectl's columns. Its controller is hub/controllers/statefulset.ts.

import type { StatefulSet } from '../../../shared/api/statefulset.js';
import type { StatusCause } from '../../../shared/api/types.js';
import { canonicalJson, cause, notSupported, required } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { arr, int, intOrStr, kindSchema, labelSelector, obj, str } from '../schema.js';
import { age, ageColumn, col, nameColumn } from '../table.js';
import { podTemplateSpecSchema } from './apps-schema.js';
import { containersCol, imagesCol, templateCells } from './apps-table.js';
import {
  DEFAULT_REPLICAS,
  defaultTemplate,
  nonNegative,
  validateSelectorTemplate,
  validateUpdateStrategyType,
} from './apps-validation.js';
import { persistentvolumeclaims } from './persistentvolumeclaims.js';

/** Upstream's default revisionHistoryLimit. */
const DEFAULT_HISTORY = 10;
/** The spec fields an update may change (upstream ValidateStatefulSetUpdate). */
const MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
  'revisionHistoryLimit',
] as const;

/**
 * The template as its pods get it: a volumeClaimTemplate is a volume its containers may mount
 * (upstream's canonical StatefulSet mounts `www` from its claim template alone).
 */
function withClaimVolumes(s: StatefulSet['spec']): StatefulSet['spec']['template'] | undefined {
  const t = s.template;
  const claims = s.volumeClaimTemplates ?? [];
  if (!t?.spec || claims.length === 0) return t;
  const own = new Set((t.spec.volumes ?? []).map((v) => v.name));
  const extra = claims
    .map((c) => c.metadata.name ?? '')
    .filter((n) => n && !own.has(n))
    .map((n) => ({ name: n, persistentVolumeClaim: { claimName: n } }));
  return { ...t, spec: { ...t.spec, volumes: [...(t.spec.volumes ?? []), ...extra] } };
}

function validate(set: StatefulSet, old?: StatefulSet): StatusCause[] {
  const s = set.spec;
  if (!s) return [required('spec')];
  const out = [
    ...nonNegative('spec.replicas', s.replicas),
    ...nonNegative('spec.minReadySeconds', s.minReadySeconds),
    ...nonNegative('spec.updateStrategy.rollingUpdate.partition', s.updateStrategy?.rollingUpdate?.partition),
    ...nonNegative('spec.ordinals.start', s.ordinals?.start),
    ...validateSelectorTemplate(s.selector, withClaimVolumes(s)),
  ];
  const policy = s.podManagementPolicy;
  if (policy && !['OrderedReady', 'Parallel'].includes(policy))
    out.push(notSupported('spec.podManagementPolicy', policy, ['OrderedReady', 'Parallel']));
  out.push(...validateUpdateStrategyType(s.updateStrategy?.type));
  for (const [i, t] of (s.volumeClaimTemplates ?? []).entries())
    if (!t.metadata?.name) out.push(required(`spec.volumeClaimTemplates[${i}].metadata.name`));
  if (old) {
    const fixed = (x: StatefulSet) => {
      const rest: Record<string, unknown> = { ...x.spec };
      for (const k of MUTABLE) delete rest[k];
      return canonicalJson(rest);
    };
    if (fixed(set) !== fixed(old))
      out.push(
        cause(
          'spec',
          "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
          'FieldValueForbidden',
        ),
      );
  }
  return out;
}

export const statefulsets: ResourceDef<StatefulSet> = {
  group: 'apps',
  version: 'v1',
  resource: 'statefulsets',
  kind: 'StatefulSet',
  singular: 'statefulset',
  shortNames: ['sts'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status', 'scale'],
  schema: kindSchema({
    spec: obj({
      replicas: int,
      selector: labelSelector,
      template: podTemplateSpecSchema,
      serviceName: str,
      podManagementPolicy: str,
      updateStrategy: obj({ type: str, rollingUpdate: obj({ partition: int, maxUnavailable: intOrStr }) }),
      revisionHistoryLimit: int,
      minReadySeconds: int,
      volumeClaimTemplates: arr(persistentvolumeclaims.schema),
      persistentVolumeClaimRetentionPolicy: obj({ whenDeleted: str, whenScaled: str }),
      ordinals: obj({ start: int }),
    }),
    status: obj({
      observedGeneration: int,
      replicas: int,
      readyReplicas: int,
      currentReplicas: int,
      updatedReplicas: int,
      availableReplicas: int,
      currentRevision: str,
      updateRevision: str,
      collisionCount: int,
    }),
  }),
  defaults(set) {
    const s = set.spec;
    if (!s) return;
    s.replicas ??= DEFAULT_REPLICAS;
    s.podManagementPolicy ??= 'OrderedReady';
    s.updateStrategy ??= {};
    s.updateStrategy.type ??= 'RollingUpdate';
    if (s.updateStrategy.type === 'RollingUpdate') {
      s.updateStrategy.rollingUpdate ??= {};
      s.updateStrategy.rollingUpdate.partition ??= 0;
    }
    s.revisionHistoryLimit ??= DEFAULT_HISTORY;
    s.persistentVolumeClaimRetentionPolicy ??= {};
    s.persistentVolumeClaimRetentionPolicy.whenDeleted ??= 'Retain';
    s.persistentVolumeClaimRetentionPolicy.whenScaled ??= 'Retain';
    for (const t of s.volumeClaimTemplates ?? []) {
      t.spec ??= {};
      t.spec.volumeMode ??= 'Filesystem';
    }
    defaultTemplate(s.template);
  },
  prepareCreate(set) {
    set.status = { replicas: 0 };
  },
  validate: (set, old) => validate(set, old),
  table: {
    columns: [
      nameColumn,
      col('Ready', 'string', 'Number of the pod with ready state'),
      ageColumn,
      containersCol,
      imagesCol,
    ],
    cells: (set, now) => [
      set.metadata.name,
      `${set.status?.readyReplicas ?? 0}/${set.spec.replicas ?? 0}`,
      age(set.metadata.creationTimestamp, now),
      ...templateCells(set.spec.template),
    ],
  },
};
