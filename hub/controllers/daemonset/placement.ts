// Where a DaemonSet's pods belong (k8s daemon controller NodeShouldRunDaemonPod) and how a
// daemon pod is pinned to its node. Drover follows current Kubernetes: the pod names its
// node through required node affinity `matchFields metadata.name In [node]` and the
// scheduler binds it (so resource fit and the other filters still apply); spec.nodeName is
// left empty.

import type { DaemonSet } from '../../../shared/api/apps.js';
import type { Node, NodeSelectorTerm, Pod } from '../../../shared/api/types.js';
import { podMatchesNodeSelectorAndAffinity } from '../../scheduler/node-selector.js';
import { tolerated } from '../../scheduler/tolerations.js';
import { newControllerRef } from '../controller-ref.js';
import { withDaemonTolerations } from './tolerations.js';

/** Pod label naming the DaemonSet template revision the pod was made from. */
export const REVISION_HASH_LABEL = 'controller-revision-hash';

export interface Placement {
  /** A new daemon pod should be created here. */
  shouldRun: boolean;
  /** An existing daemon pod may stay (untolerated NoSchedule taints do not evict). */
  shouldContinueRunning: boolean;
}

/** The pod the DaemonSet would run on a node (no pinning); build once per reconcile. */
export function templatePod(ds: DaemonSet): Pod {
  const spec = structuredClone(ds.spec.template.spec);
  spec.tolerations = withDaemonTolerations(spec);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...structuredClone(ds.spec.template.metadata ?? {}) },
    spec,
  };
}

/** Where pod (templatePod(ds), shared across nodes and not changed) belongs on node. */
export function placement(pod: Pod, node: Node): Placement {
  const name = node.metadata.name ?? '';
  if (!podMatchesNodeSelectorAndAffinity(pod, node.metadata.labels ?? {}, name))
    return { shouldRun: false, shouldContinueRunning: false };
  let shouldRun = true;
  for (const taint of node.spec.taints ?? []) {
    if (tolerated(pod.spec.tolerations, taint)) continue;
    if (taint.effect === 'NoExecute') return { shouldRun: false, shouldContinueRunning: false };
    if (taint.effect === 'NoSchedule') shouldRun = false;
  }
  return { shouldRun, shouldContinueRunning: true };
}

/** The node a daemon pod is for: its binding, or the node its affinity pins it to. */
export function targetNode(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName;
  const terms =
    pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  for (const t of terms ?? []) {
    for (const f of t.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** A new daemon pod for node: template, revision hash label, owner, tolerations, node affinity. */
export function newDaemonPod(ds: DaemonSet, node: string, hash: string): Pod {
  const pod = templatePod(ds);
  const pin: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] };
  // The node already satisfies the DaemonSet's own required terms; the pin replaces them.
  pod.spec.affinity = {
    ...pod.spec.affinity,
    nodeAffinity: {
      ...pod.spec.affinity?.nodeAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [pin] },
    },
  };
  pod.metadata = {
    ...pod.metadata,
    generateName: `${ds.metadata.name}-`,
    namespace: ds.metadata.namespace,
    labels: { ...pod.metadata.labels, [REVISION_HASH_LABEL]: hash },
    ownerReferences: [newControllerRef(ds)],
  };
  delete pod.metadata.name;
  return pod;
}
