// DaemonSet status from what is on each node (k8s daemon controller updateDaemonSetStatus).

import type { DaemonSet, DaemonSetStatus } from '../../../shared/api/apps.js';
import { prePullImages, prePullStatus } from '../../../shared/api/pre-pull.js';
import type { Pod } from '../../../shared/api/types.js';
import { isPodAvailable, isPodReady } from '../active-pods.js';
import { isUpdated } from './rolling-update.js';

export interface NodeState {
  shouldRun: boolean;
  /** Active (not terminating) daemon pods on the node. */
  pods: Pod[];
}

/** The status counts, summed over nodes. */
export interface DaemonCounts {
  desired: number;
  current: number;
  misscheduled: number;
  ready: number;
  available: number;
  updated: number;
}

export const noCounts = (): DaemonCounts => ({
  desired: 0,
  current: 0,
  misscheduled: 0,
  ready: 0,
  available: 0,
  updated: 0,
});

/** Adds (sign 1) or takes away (-1) one node's part of the counts. */
export function countNode(
  c: DaemonCounts,
  n: NodeState,
  hash: string,
  minReady: number,
  now: number,
  sign: 1 | -1 = 1,
): void {
  if (!n.shouldRun) {
    if (n.pods.length) c.misscheduled += sign;
    return;
  }
  c.desired += sign;
  const pod = n.pods[0];
  if (!pod) return;
  c.current += sign;
  const isReady = isPodReady(pod);
  if (isReady) c.ready += sign;
  if (minReady ? isPodAvailable(pod, minReady, now) : isReady) c.available += sign;
  if (isUpdated(pod, hash)) c.updated += sign;
}

/**
 * The status; counts: the sums kept as nodes change (daemonset/view.ts), usable when nothing in
 * them depends on the time (no minReadySeconds) and no pod list is needed (no pre-pull); else
 * every node is counted here.
 */
export function daemonSetStatus(
  ds: DaemonSet,
  nodes: Iterable<NodeState>,
  hash: string,
  now: number,
  counts?: DaemonCounts,
): DaemonSetStatus {
  const minReady = ds.spec.minReadySeconds ?? 0;
  const prePull = prePullImages(ds);
  let c = counts;
  // Runs over every node: the pods asked to pre-pull are gathered only when there is something
  // to pre-pull, and readiness is read once per pod.
  const asked: Pod[] = [];
  if (!c || minReady || prePull.length) {
    c = noCounts();
    for (const n of nodes) {
      countNode(c, n, hash, minReady, now);
      if (prePull.length && n.shouldRun && n.pods[0]) asked.push(n.pods[0]);
    }
  }
  return {
    ...(prePull.length ? { prePull: prePullStatus(prePull, asked) } : {}),
    ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}),
    ...(ds.status?.conditions?.length ? { conditions: ds.status.conditions } : {}),
    currentNumberScheduled: c.current,
    numberMisscheduled: c.misscheduled,
    desiredNumberScheduled: c.desired,
    numberReady: c.ready,
    observedGeneration: ds.metadata.generation ?? 1,
    updatedNumberScheduled: c.updated,
    numberAvailable: c.available,
    numberUnavailable: c.desired - c.available,
  };
}
