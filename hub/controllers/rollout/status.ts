// The Rollout's status from a reconcile's context: counts per wave (frozen while rolling back,
// so the failed wave stays visible), totals, and the Progressing condition whose reason says
// what happened last (lastTransitionTime kept while status and reason stay).

import type { RolloutCondition, RolloutStatus } from '../../../shared/api/rollout.js';
import { assessed } from './assess.js';
import type { RolloutContext } from './context.js';

const ROLLING_BACK = new Set(['RollingBack', 'RolledBack', 'Aborted']);

export function buildStatus(ctx: RolloutContext): RolloutStatus {
  const n: RolloutStatus = { ...ctx.next, observedGeneration: ctx.ro.metadata.generation };
  const revision = n.updateRevision ?? ctx.hash;
  if (ctx.target) {
    const fresh = !ROLLING_BACK.has(n.phase ?? '') || ctx.reason === 'GateFailed';
    const a = assessed(ctx, fresh ? revision : (n.stableRevision ?? revision));
    if (fresh)
      n.waves = ctx.waves.map((w, i) => ({
        name: w.name,
        boards: w.boards.length,
        updated: a.updated[i],
        healthy: a.counts[i].healthy,
        failed: a.counts[i].failed,
        pending: a.counts[i].pending,
      }));
    n.boards = ctx.boards.size;
    n.updatedBoards = a.updated.reduce((x, y) => x + y, 0);
  }
  const progressing = n.phase === 'Progressing' || n.phase === 'Paused' || n.phase === 'RollingBack';
  const old = ctx.ro.status?.conditions?.find((c) => c.type === 'Progressing');
  const reason = ctx.reason ?? old?.reason ?? 'Observed';
  const status = progressing ? 'True' : 'False';
  const cond: RolloutCondition = {
    type: 'Progressing',
    status,
    reason,
    message: n.message ?? '',
    lastTransitionTime:
      old && old.status === status && old.reason === reason && old.lastTransitionTime
        ? old.lastTransitionTime
        : new Date(ctx.now).toISOString(),
  };
  n.conditions = [cond];
  return n;
}
