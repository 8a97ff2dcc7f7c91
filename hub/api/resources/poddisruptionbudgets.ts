// policy/v1 PodDisruptionBudget: how many pods of a selector must stay available while pods
// are evicted (kubectl drain, fleet maintenance). The disruption controller keeps its status;
// the eviction subresource (ops/eviction.ts) consumes it.

import { validateIntOrPercent } from './apps-validation.js';
import type { PodDisruptionBudget } from '../../../shared/api/policy.js';
import { cause, notSupported } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { arr, int, intOrStr, kindSchema, labelSelector, map, obj, str } from '../schema.js';
import { age, ageColumn, col, nameColumn } from '../table.js';

const condition = obj({
  type: str,
  status: str,
  reason: str,
  message: str,
  observedGeneration: int,
  lastTransitionTime: str,
});

export const poddisruptionbudgets: ResourceDef<PodDisruptionBudget> = {
  group: 'policy',
  version: 'v1',
  resource: 'poddisruptionbudgets',
  kind: 'PodDisruptionBudget',
  singular: 'poddisruptionbudget',
  shortNames: ['pdb'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status'],
  schema: kindSchema({
    spec: obj({
      minAvailable: intOrStr,
      maxUnavailable: intOrStr,
      selector: labelSelector,
      unhealthyPodEvictionPolicy: str,
    }),
    status: obj({
      observedGeneration: int,
      disruptedPods: map(str),
      disruptionsAllowed: int,
      currentHealthy: int,
      desiredHealthy: int,
      expectedPods: int,
      conditions: arr(condition),
    }),
  }),
  prepareCreate(pdb) {
    delete pdb.status;
  },
  validate(pdb) {
    const s = pdb.spec ?? {};
    const causes = [
      ...validateIntOrPercent('spec.minAvailable', s.minAvailable, true),
      ...validateIntOrPercent('spec.maxUnavailable', s.maxUnavailable, true),
    ];
    if (s.minAvailable !== undefined && s.maxUnavailable !== undefined)
      causes.push(cause('spec', 'Invalid value: minAvailable and maxUnavailable cannot be both set'));
    const p = s.unhealthyPodEvictionPolicy;
    if (p !== undefined && p !== 'IfHealthyBudget' && p !== 'AlwaysAllow')
      causes.push(notSupported('spec.unhealthyPodEvictionPolicy', p, ['AlwaysAllow', 'IfHealthyBudget']));
    return causes;
  },
  table: {
    columns: [
      nameColumn,
      col('Min Available', 'string', 'minAvailable'),
      col('Max Unavailable', 'string', 'maxUnavailable'),
      col('Allowed Disruptions', 'integer', 'Pods that may be evicted now'),
      ageColumn,
    ],
    cells: (pdb, now) => [
      pdb.metadata.name,
      pdb.spec?.minAvailable ?? 'N/A',
      pdb.spec?.maxUnavailable ?? 'N/A',
      pdb.status?.disruptionsAllowed ?? 0,
      age(pdb.metadata.creationTimestamp, now),
    ],
  },
};
