// Scaling without a rollout (deployment sync.go sync/scale): a paused deployment or a change
// of spec.replicas alone resizes the ReplicaSets proportionally instead of rolling; a Deployment
// a Rollout targets is sized by the rollout instead (rollout/targets/deployment.ts).

import type { ReplicaSet } from '../../../shared/api/apps.js';
import { cleanupDeployment } from './cleanup.js';
import type { SyncContext } from './context.js';
import { desiredReplicasOf } from './revision.js';
import { availableOf, byCreation, proportionalSizes, replicasOf, specReplicas } from './rollout-math.js';
import { syncDeploymentStatus } from './status.js';
import { getAllReplicaSets, oldRSsOf, scaleReplicaSet } from './sync.js';

/** FindActiveOrLatest: the only active ReplicaSet, or the newest when none is active. */
function activeOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  const olds = byCreation(oldRSs).reverse();
  const active = [...olds, ...(newRS ? [newRS] : [])].filter((rs) => specReplicas(rs) > 0);
  if (active.length === 0) return newRS ?? olds[0];
  return active.length === 1 ? active[0] : undefined;
}

function saturated(ctx: SyncContext, rs: ReplicaSet | undefined): boolean {
  const r = replicasOf(ctx.d);
  return rs !== undefined && specReplicas(rs) === r && desiredReplicasOf(rs) === r && availableOf(rs) === r;
}

async function scale(ctx: SyncContext, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
  const r = replicasOf(ctx.d);
  const only = activeOrLatest(newRS, oldRSs);
  if (only) {
    if (specReplicas(only) !== r) await scaleReplicaSet(ctx, only, r);
    return;
  }
  if (saturated(ctx, newRS)) {
    for (const rs of oldRSs.filter((x) => specReplicas(x) > 0)) await scaleReplicaSet(ctx, rs, 0);
    return;
  }
  if ((ctx.d.spec.strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
  const active = [...oldRSs, ...(newRS ? [newRS] : [])].filter((rs) => specReplicas(rs) > 0);
  const sizes = proportionalSizes(ctx.d, active);
  for (const rs of active)
    await scaleReplicaSet(ctx, rs, sizes.get(rs.metadata.name ?? '') ?? specReplicas(rs));
}

export async function syncScale(ctx: SyncContext): Promise<void> {
  const { newRS, oldRSs } = await getAllReplicaSets(ctx, false);
  if (!ctx.rolloutManaged) await scale(ctx, newRS, oldRSs);
  if (ctx.d.spec.paused || ctx.rolloutManaged) await cleanupDeployment(ctx, oldRSsOf(ctx.rsList, newRS));
  const cur = newRS ? ctx.rsList.find((x) => x.metadata.uid === newRS.metadata.uid) : undefined;
  await syncDeploymentStatus(ctx, ctx.rsList, cur);
}
