// A StatefulSet's pod and claims for one ordinal (pure; upstream newVersionedStatefulSetPod):
// name <set>-<ordinal>, hostname the same and subdomain the governing Service, the template's
// labels plus the pod-name, pod-index and revision labels, one claim per volumeClaimTemplate
// named <template>-<set>-<ordinal> mounted as the template's volume of that name.

import type { PersistentVolumeClaim } from '../../../shared/api/volumes.js';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  POD_INDEX_LABEL,
  STATEFULSET_POD_NAME_LABEL,
  type StatefulSet,
} from '../../../shared/api/statefulset.js';
import type { Pod } from '../../../shared/api/types.js';
import { newControllerRef } from '../controller-ref.js';
import { computeHash } from '../pod-template-hash.js';
import { jsonClone } from '../../../shared/json-clone.js';

export const podName = (set: StatefulSet, ordinal: number) => `${set.metadata.name}-${ordinal}`;

/** The ordinal a pod's name carries, or undefined for a name that is not <set>-<n>. */
export function ordinalOf(set: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(prefix) || !/^\d+$/.test(name.slice(prefix.length))) return undefined;
  return Number(name.slice(prefix.length));
}

/** The revision the template makes (upstream names its ControllerRevision so). */
export const revisionOf = (set: StatefulSet) =>
  `${set.metadata.name}-${computeHash(set.spec.template, set.status?.collisionCount)}`;

const claimName = (set: StatefulSet, template: PersistentVolumeClaim, ordinal: number) =>
  `${template.metadata.name}-${set.metadata.name}-${ordinal}`;

export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return (set.spec.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: claimName(set, t, ordinal),
      namespace: set.metadata.namespace,
      labels: { ...(t.metadata.labels ?? {}), ...(set.spec.selector.matchLabels ?? {}) },
    },
    spec: jsonClone(t.spec ?? {}) as PersistentVolumeClaim['spec'],
  }));
}

export function podFor(set: StatefulSet, ordinal: number): Pod {
  const t = set.spec.template;
  const name = podName(set, ordinal);
  const spec = jsonClone(t.spec) as Pod['spec'];
  const claims = set.spec.volumeClaimTemplates ?? [];
  const fromClaims = claims.map((c) => ({
    name: c.metadata.name ?? '',
    persistentVolumeClaim: { claimName: claimName(set, c, ordinal) },
  }));
  spec.volumes = [
    ...(spec.volumes ?? []).filter((v) => !claims.some((c) => c.metadata.name === v.name)),
    ...fromClaims,
  ];
  if (spec.volumes.length === 0) delete spec.volumes;
  spec.hostname = name;
  if (set.spec.serviceName) spec.subdomain = set.spec.serviceName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: {
        ...(t.metadata?.labels ?? {}),
        [STATEFULSET_POD_NAME_LABEL]: name,
        [POD_INDEX_LABEL]: String(ordinal),
        [CONTROLLER_REVISION_HASH_LABEL]: revisionOf(set),
      },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(set)],
    },
    spec,
  };
}
