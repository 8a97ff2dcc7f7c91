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

export function daemonSetStatus(
  ds: DaemonSet,
  nodes: Iterable<NodeState>,
  hash: string,
  now: number,
): DaemonSetStatus {
  const minReady = ds.spec.minReadySeconds ?? 0;
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  const prePull = prePullImages(ds);
  // Runs over every node on each reconcile: the pods asked to pre-pull are gathered only when
  // there is something to pre-pull, and readiness is read once per pod.
  const asked: Pod[] = [];
  for (const n of nodes) {
    if (!n.shouldRun) {
      if (n.pods.length) misscheduled++;
      continue;
    }
    desired++;
    const pod = n.pods[0];
    if (!pod) continue;
    current++;
    if (prePull.length) asked.push(pod);
    const isReady = isPodReady(pod);
    if (isReady) ready++;
    if (minReady ? isPodAvailable(pod, minReady, now) : isReady) available++;
    if (isUpdated(pod, hash)) updated++;
  }
  return {
    ...(prePull.length ? { prePull: prePullStatus(prePull, asked) } : {}),
    ...(ds.status?.collisionCount !== undefined ? { collisionCount: ds.status.collisionCount } : {}),
    ...(ds.status?.conditions?.length ? { conditions: ds.status.conditions } : {}),
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    observedGeneration: ds.metadata.generation ?? 1,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
}
