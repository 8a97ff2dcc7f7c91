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
    asked.push(pod);
    if (isPodReady(pod)) ready++;
    if (isPodAvailable(pod, minReady, now)) available++;
    if (isUpdated(pod, hash)) updated++;
  }
  const prePull = prePullImages(ds);
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
