// The indexes every shared informer carries (names used with InformerFactory.byIndex).
// namespace and owner-uid suit every kind; node-name only pods, orphans only pods and
// ReplicaSets (others yield nothing).

import type { KubeObject, Pod } from '../../shared/api/types.js';
import type { IndexFunc } from './indexer.js';

/** metadata.namespace ('' for cluster-scoped objects). */
export const INDEX_NAMESPACE = 'namespace';
/** The UID of the object's controller ownerReference (client-go's controller-uid lookups). */
export const INDEX_CONTROLLER_UID = 'owner-uid';
/** Every ownerReference UID, controller or not (the garbage collector's dependents). */
export const INDEX_OWNER_UIDS = 'owner-uids';
/** The namespace of pods and ReplicaSets without a controller (orphans a controller may adopt). */
export const INDEX_ORPHANS = 'orphans';
/** A pod's spec.nodeName (bound pods only). */
export const INDEX_NODE_NAME = 'node-name';

const byNamespace: IndexFunc<KubeObject> = (o) => [o.metadata.namespace ?? ''];

const byControllerUid: IndexFunc<KubeObject> = (o) => {
  const ref = o.metadata.ownerReferences?.find((r) => r.controller === true);
  return ref?.uid ? [ref.uid] : [];
};

/**
 * Kinds a controller adopts (the ReplicaSet and StatefulSet controllers their pods, the
 * Deployment controller its ReplicaSets): every other kind's objects, most without a controller
 * (a Node, a board's credential Secret), would each be an entry nobody reads.
 */
const ADOPTED_KINDS: ReadonlySet<string> = new Set(['Pod', 'ReplicaSet']);

const orphansByNamespace: IndexFunc<KubeObject> = (o) =>
  !ADOPTED_KINDS.has(o.kind ?? '') || o.metadata.ownerReferences?.some((r) => r.controller === true)
    ? []
    : [o.metadata.namespace ?? ''];

const byOwnerUids: IndexFunc<KubeObject> = (o) =>
  (o.metadata.ownerReferences ?? []).map((r) => r.uid).filter((u) => u);

const byNodeName: IndexFunc<KubeObject> = (o) => {
  const n = (o as Pod).spec?.nodeName;
  return o.kind === 'Pod' && typeof n === 'string' && n ? [n] : [];
};

export const STANDARD_INDEXES: readonly [string, IndexFunc<KubeObject>][] = [
  [INDEX_NAMESPACE, byNamespace],
  [INDEX_CONTROLLER_UID, byControllerUid],
  [INDEX_OWNER_UIDS, byOwnerUids],
  [INDEX_ORPHANS, orphansByNamespace],
  [INDEX_NODE_NAME, byNodeName],
];

/** A Rollout's target, `namespace/Kind/name` (rolloutTargetKey): the rollouts of one workload. */
export const INDEX_ROLLOUT_TARGET = 'rollout-target';

export function rolloutTargetKey(
  namespace: string | undefined,
  kind: string,
  name: string | undefined,
): string {
  return `${namespace ?? ''}/${kind}/${name ?? ''}`;
}

/** Rollouts only (the rollout controller adds it to the rollouts informer): spec.targetRef. */
export const byRolloutTarget: IndexFunc<KubeObject> = (o) => {
  const ref = (o as { spec?: { targetRef?: { kind?: string; name?: string } } }).spec?.targetRef;
  return o.kind === 'Rollout' && ref?.kind && ref.name
    ? [rolloutTargetKey(o.metadata.namespace, ref.kind, ref.name)]
    : [];
};
