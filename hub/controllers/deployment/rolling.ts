// RollingUpdate (deployment rolling.go): grow the new ReplicaSet within maxSurge, shrink old
// ones within maxUnavailable (unhealthy pods first), one step per reconcile; ReplicaSet status
// changes bring the next step.

import type { ReplicaSet } from '../../../shared/api/apps.js';
import { cleanupDeployment } from './cleanup.js';
import type { SyncContext } from './context.js';
import { deploymentComplete, syncRolloutStatus } from './progress.js';
import {
  cleanupUnhealthy,
  maxScaledDown,
  newRSNewReplicas,
  replicasOf,
  scaleDownOld,
  specReplicas,
  sum,
} from './rollout-math.js';
import { getAllReplicaSets, oldRSsOf, scaleReplicaSet } from './sync.js';

function current(ctx: SyncContext, rs: ReplicaSet): ReplicaSet {
  return ctx.rsList.find((x) => x.metadata.uid === rs.metadata.uid) ?? rs;
}

async function applySizes(ctx: SyncContext, rss: ReplicaSet[], sizes: Map<string, number>): Promise<void> {
  for (const rs of rss) {
    const size = sizes.get(rs.metadata.name ?? '');
    if (size !== undefined) await scaleReplicaSet(ctx, current(ctx, rs), size);
  }
}

/** reconcileNewReplicaSet: true when the new ReplicaSet was resized. */
async function reconcileNew(ctx: SyncContext, newRS: ReplicaSet): Promise<boolean> {
  const r = replicasOf(ctx.d);
  if (specReplicas(newRS) === r) return false;
  const size = specReplicas(newRS) > r ? r : newRSNewReplicas(ctx.d, ctx.rsList, newRS);
  return (await scaleReplicaSet(ctx, newRS, size)).scaled;
}

/** reconcileOldReplicaSets: true when an old ReplicaSet was shrunk. */
async function reconcileOld(ctx: SyncContext, newRS: ReplicaSet): Promise<boolean> {
  const activeOld = () => oldRSsOf(ctx.rsList, newRS).filter((rs) => specReplicas(rs) > 0);
  if (sum(activeOld(), specReplicas) === 0) return false;
  const maxDown = maxScaledDown(ctx.d, ctx.rsList, current(ctx, newRS));
  if (maxDown <= 0) return false;
  const unhealthy = cleanupUnhealthy(activeOld(), maxDown);
  await applySizes(ctx, activeOld(), unhealthy.sizes);
  const down = scaleDownOld(ctx.d, ctx.rsList, activeOld());
  await applySizes(ctx, activeOld(), down.sizes);
  return unhealthy.removed + down.removed > 0;
}

export async function rolloutRolling(ctx: SyncContext): Promise<void> {
  const { newRS } = await getAllReplicaSets(ctx, true);
  if (!newRS) return;
  if (await reconcileNew(ctx, current(ctx, newRS))) {
    await syncRolloutStatus(ctx, ctx.rsList, current(ctx, newRS));
    return;
  }
  if (await reconcileOld(ctx, newRS)) {
    await syncRolloutStatus(ctx, ctx.rsList, current(ctx, newRS));
    return;
  }
  if (deploymentComplete(ctx.d, ctx.d.status ?? {}))
    await cleanupDeployment(ctx, oldRSsOf(ctx.rsList, newRS));
  await syncRolloutStatus(ctx, ctx.rsList, current(ctx, newRS));
}
