// What a rollout reads of a daemon pod to judge its board (health.ts), derived once per pod
// object. Every reconcile judges every board of the fleet, and most pods do not change from
// one reconcile to the next: at 10,000 boards, parsing each pod's Ready time and walking its
// container statuses again was a large part of a reconcile's CPU (issue #10, hub CPU). An
// informer replaces a pod's object on every change and never modifies a held one, so a
// WeakMap keyed by the object is exact and lets go of a pod's facts with the pod.

import { POD_TEMPLATE_HASH_LABEL } from '../../../shared/api/apps.js';
import { IMAGE_PULL_FAILURES } from '../../../shared/api/next-images.js';
import type { Pod } from '../../../shared/api/types.js';
import { readySince } from '../active-pods.js';
import { REVISION_HASH_LABEL, targetNode } from '../daemonset/placement.js';

export interface PodFacts {
  /** controller-revision-hash (DaemonSet) or pod-template-hash (Deployment). */
  revision?: string;
  /** Restarts of all its containers. */
  restarts: number;
  /** Why its image cannot be pulled, when a container waits for that. */
  pullFailure?: string;
  failed: boolean;
  /** When it last became Ready, ms since epoch; undefined when not Ready. */
  readySince?: number;
  /** creationTimestamp, ms since epoch; NaN when absent or unreadable. */
  createdMs: number;
  /** The node a daemon pod is for (its binding, or the node its affinity pins it to). */
  node?: string;
}

const cache = new WeakMap<Pod, PodFacts>();

export function podFacts(p: Pod): PodFacts {
  let f = cache.get(p);
  if (f) return f;
  f = {
    revision: revisionOf(p),
    restarts: restartsOf(p),
    pullFailure: imagePullFailure(p),
    failed: p.status?.phase === 'Failed',
    readySince: readySince(p),
    createdMs: Date.parse(p.metadata.creationTimestamp ?? ''),
    node: targetNode(p),
  };
  cache.set(p, f);
  return f;
}

/** A DaemonSet pod's controller-revision-hash, a Deployment pod's pod-template-hash. */
export function revisionOf(p: Pod): string | undefined {
  return p.metadata.labels?.[REVISION_HASH_LABEL] ?? p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
}

export function restartsOf(p: Pod): number {
  return (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** Why a pod's image cannot be pulled on its board, if a container waits for that. */
export function imagePullFailure(p: Pod): string | undefined {
  for (const list of [p.status?.initContainerStatuses, p.status?.containerStatuses])
    for (const c of list ?? []) {
      const w = c.state?.waiting;
      if (w?.reason && IMAGE_PULL_FAILURES.has(w.reason)) return `${w.reason}: ${w.message ?? c.image}`;
    }
  return undefined;
}
