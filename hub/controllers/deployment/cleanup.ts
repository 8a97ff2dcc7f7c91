// revisionHistoryLimit (deployment sync.go cleanupDeployment): delete the oldest old
// ReplicaSets that have no pods, keeping at most revisionHistoryLimit of them for rollback.

import type { ReplicaSet } from '../../../shared/api/apps.js';
import { isNotFound } from '../../api/errors.js';
import type { SyncContext } from './context.js';
import { revisionOf } from './revision.js';
import { actualOf, byCreation, specReplicas } from './rollout-math.js';

export async function cleanupDeployment(ctx: SyncContext, oldRSs: ReplicaSet[]): Promise<void> {
  const limit = ctx.d.spec.revisionHistoryLimit;
  if (limit === undefined || limit === null) return;
  const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - limit;
  if (diff <= 0) return;
  const sorted = byCreation(cleanable).sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const rs of sorted.slice(0, diff)) {
    if (actualOf(rs) !== 0 || specReplicas(rs) !== 0) continue;
    if ((rs.metadata.generation ?? 1) > (rs.status?.observedGeneration ?? 0)) continue;
    try {
      await ctx.client.delete('replicasets', rs.metadata.namespace, rs.metadata.name ?? '');
      ctx.rsList = ctx.rsList.filter((x) => x.metadata.uid !== rs.metadata.uid);
      ctx.log.info('deleted old replicaset', { deployment: ctx.d.metadata.name, rs: rs.metadata.name });
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
