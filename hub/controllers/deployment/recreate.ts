// Recreate (deployment recreate.go): scale every old ReplicaSet to 0, wait until none of
// their pods is left running, then create/scale the new one to spec.replicas.

import type { ReplicaSet } from '../../../shared/api/apps.js';
import { cleanupDeployment } from './cleanup.js';
import { requeueAfter, type SyncContext } from './context.js';
import { deploymentComplete, syncRolloutStatus } from './progress.js';
import { actualOf, replicasOf, specReplicas, sum } from './rollout-math.js';
import { getAllReplicaSets, oldRSsOf, scaleReplicaSet } from './sync.js';

/** Poll period while old pods finish terminating (they may not emit a ReplicaSet event), ms. */
export const OLD_PODS_POLL_MS = 1000;

async function oldPodsRunning(ctx: SyncContext, oldRSs: ReplicaSet[]): Promise<boolean> {
  if (sum(oldRSs, actualOf) > 0) return true;
  return oldRSs.some((rs) =>
    ctx
      .podsOf(rs.metadata.uid ?? '')
      .some((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed'),
  );
}

export async function rolloutRecreate(ctx: SyncContext): Promise<void> {
  let { newRS, oldRSs } = await getAllReplicaSets(ctx, false);
  const cur = () => (newRS ? ctx.rsList.find((x) => x.metadata.uid === newRS?.metadata.uid) : undefined);
  let scaledDown = false;
  for (const rs of oldRSs.filter((x) => specReplicas(x) > 0))
    if ((await scaleReplicaSet(ctx, rs, 0)).scaled) scaledDown = true;
  if (scaledDown) {
    await syncRolloutStatus(ctx, ctx.rsList, cur());
    return;
  }
  if (await oldPodsRunning(ctx, oldRSsOf(ctx.rsList, newRS))) {
    await syncRolloutStatus(ctx, ctx.rsList, cur());
    requeueAfter(ctx, OLD_PODS_POLL_MS);
    return;
  }
  if (!newRS) {
    ({ newRS, oldRSs } = await getAllReplicaSets(ctx, true));
    if (!newRS) return;
  }
  const n = cur();
  if (n) await scaleReplicaSet(ctx, n, replicasOf(ctx.d));
  if (deploymentComplete(ctx.d, ctx.d.status ?? {}))
    await cleanupDeployment(ctx, oldRSsOf(ctx.rsList, newRS));
  await syncRolloutStatus(ctx, ctx.rsList, cur());
}
