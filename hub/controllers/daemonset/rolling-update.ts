// DaemonSet RollingUpdate (k8s daemon controller rollingUpdate). Without surge, old pods go
// at most maxUnavailable at a time. With maxSurge (surgeUpdate), a node gets its new pod while
// the old one still serves, at most maxSurge nodes at once, and the old pod goes once the new
// one is available. A node counts as unavailable when it has no daemon pod,
// both an old and a new one, a new one not yet available, or an old one not available (that
// one is replaced at once: it is not serving anyway). Old available pods are deleted while
// the unavailable count stays under maxUnavailable; the normal sync then creates the new pod.

import type { IntOrString } from '../../../shared/api/apps.js';
import type { Pod } from '../../../shared/api/types.js';
import { scaledValue } from '../deployment/rollout-math.js';
import { REVISION_HASH_LABEL } from './placement.js';

/** maxUnavailable as a count of desired pods (percent rounded up, as upstream); at least 1. */
export function dsMaxUnavailable(v: IntOrString | undefined, desired: number): number {
  const n = scaledValue(v ?? 1, desired, true);
  return n > 0 ? n : 1;
}

/** maxSurge as a count of desired pods (percent rounded up, as upstream); 0 = no surge. */
export function dsMaxSurge(v: IntOrString | undefined, desired: number): number {
  return scaledValue(v ?? 0, desired, true);
}

export function isUpdated(pod: Pod, hash: string): boolean {
  return pod.metadata.labels?.[REVISION_HASH_LABEL] === hash;
}

/**
 * Old pods to delete now. podsByNode: the active daemon pods of every node that should run
 * one (empty list = none yet).
 */
export function rollingUpdateDeletions(
  podsByNode: ReadonlyMap<string, readonly Pod[]>,
  hash: string,
  maxUnavailable: number,
  available: (p: Pod) => boolean,
): Pod[] {
  let unavailable = 0;
  const now: Pod[] = [];
  const candidates: Pod[] = [];
  for (const pods of podsByNode.values()) {
    const fresh = pods.filter((p) => isUpdated(p, hash));
    const old = pods.filter((p) => !isUpdated(p, hash));
    if (pods.length !== 1) {
      unavailable++; // nothing yet, or several: the sync creates/deletes first
      continue;
    }
    if (fresh.length === 1) {
      if (!available(fresh[0] as Pod)) unavailable++;
      continue;
    }
    const o = old[0] as Pod;
    if (!available(o)) {
      unavailable++;
      now.push(o);
    } else candidates.push(o);
  }
  const room = Math.max(0, Math.min(maxUnavailable - unavailable, candidates.length));
  return [...now, ...candidates.slice(0, room)];
}

/**
 * Surge: nodes to give a new pod now, and old pods to delete now. A node whose new pod is
 * available loses its old one; a node with both and the new one not yet available is surging;
 * a node whose old pod is not available gets its new pod at once (nothing to protect), others
 * while fewer than maxSurge nodes surge.
 */
export function surgeUpdate(
  podsByNode: ReadonlyMap<string, readonly Pod[]>,
  hash: string,
  maxSurge: number,
  available: (p: Pod) => boolean,
): { createOn: string[]; remove: Pod[] } {
  const createOn: string[] = [];
  const remove: Pod[] = [];
  const candidates: string[] = [];
  let surging = 0;
  for (const [node, pods] of podsByNode) {
    const fresh = pods.filter((p) => isUpdated(p, hash));
    const old = pods.filter((p) => !isUpdated(p, hash));
    if (old.length === 0) continue;
    if (fresh.length > 0) {
      if (fresh.some(available)) remove.push(...old);
      else surging++;
    } else if (!old.some(available)) createOn.push(node);
    else candidates.push(node);
  }
  createOn.push(...candidates.slice(0, Math.max(0, maxSurge - surging)));
  return { createOn, remove };
}
