// Rollout progress (deployment progress.go): the Progressing condition, the progress deadline
// (Progressing=False ProgressDeadlineExceeded when nothing moved for progressDeadlineSeconds),
// and the paused/resumed conditions.

import type { Deployment, DeploymentStatus, ReplicaSet } from '../../../shared/api/apps.js';
import { requeueAfter, type SyncContext } from './context.js';
import { replicasOf } from './rollout-math.js';
import {
  calculateStatus,
  getCondition,
  newCondition,
  REASON_NEW_RS_AVAILABLE,
  REASON_PAUSED,
  REASON_RESUMED,
  REASON_RS_UPDATED,
  REASON_TIMED_OUT,
  removeCondition,
  setCondition,
  writeStatus,
} from './status.js';

/** A requeue for a stuck deployment waits at least this long, ms. */
const MIN_STUCK_REQUEUE_MS = 1000;

export function hasProgressDeadline(d: Deployment): boolean {
  const p = d.spec.progressDeadlineSeconds;
  return p !== undefined && p !== null && p !== 2147483647;
}

/** DeploymentComplete: every replica updated and available, and the spec observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const r = replicasOf(d);
  return (
    (s.updatedReplicas ?? 0) === r &&
    (s.replicas ?? 0) === r &&
    (s.availableReplicas ?? 0) === r &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1)
  );
}

/** DeploymentProgressing: more updated, fewer old, more ready or more available than before. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const o = d.status ?? {};
  const oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (o.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (o.availableReplicas ?? 0)
  );
}

function lastUpdate(d: Deployment, s: DeploymentStatus): number | undefined {
  const c = getCondition(s, 'Progressing');
  const t = c?.lastUpdateTime ? Date.parse(c.lastUpdateTime) : Number.NaN;
  return Number.isNaN(t) ? undefined : t + (d.spec.progressDeadlineSeconds ?? 0) * 1000;
}

/** DeploymentTimedOut: no progress since the Progressing condition's lastUpdateTime + deadline. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now = Date.now()): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c || c.reason === REASON_NEW_RS_AVAILABLE) return false;
  if (c.reason === REASON_TIMED_OUT) return true;
  const deadline = lastUpdate(d, s);
  return deadline !== undefined && deadline < now;
}

/** syncRolloutStatus: status plus the Progressing condition; requeues to check the deadline. */
export async function syncRolloutStatus(
  ctx: SyncContext,
  allRSs: ReplicaSet[],
  newRS: ReplicaSet | undefined,
): Promise<void> {
  const d = ctx.d;
  const now = Date.now();
  const s = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(s, 'Progressing');
  const cur = getCondition(s, 'Progressing');
  const complete = s.replicas === s.updatedReplicas && cur?.reason === REASON_NEW_RS_AVAILABLE;
  if (hasProgressDeadline(d) && !complete) {
    const name = newRS?.metadata.name ?? '';
    if (deploymentComplete(d, s)) {
      setCondition(
        s,
        newCondition(
          'Progressing',
          'True',
          REASON_NEW_RS_AVAILABLE,
          `ReplicaSet "${name}" has successfully progressed.`,
          now,
        ),
      );
    } else if (deploymentProgressing(d, s)) {
      const c = newCondition(
        'Progressing',
        'True',
        REASON_RS_UPDATED,
        `ReplicaSet "${name}" is progressing.`,
        now,
      );
      if (cur?.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
      removeCondition(s, 'Progressing');
      setCondition(s, c);
    } else if (deploymentTimedOut(d, s, now)) {
      setCondition(
        s,
        newCondition(
          'Progressing',
          'False',
          REASON_TIMED_OUT,
          `ReplicaSet "${name}" has timed out progressing.`,
          now,
        ),
      );
    }
  }
  await writeStatus(ctx, s);
  requeueStuck(ctx, s, now);
}

/** requeueStuckDeployment: look again when the deadline would pass. */
function requeueStuck(ctx: SyncContext, s: DeploymentStatus, now: number): void {
  const d = ctx.d;
  const c = getCondition(s, 'Progressing');
  if (!hasProgressDeadline(d) || !c || deploymentComplete(d, s) || c.reason === REASON_TIMED_OUT) return;
  const deadline = lastUpdate(d, s);
  if (deadline === undefined) return;
  const after = deadline - now;
  requeueAfter(ctx, after < MIN_STUCK_REQUEUE_MS ? MIN_STUCK_REQUEUE_MS : after + MIN_STUCK_REQUEUE_MS);
}

/** checkPausedConditions: Progressing=Unknown DeploymentPaused / DeploymentResumed. */
export async function checkPausedConditions(ctx: SyncContext): Promise<void> {
  const d = ctx.d;
  if (!hasProgressDeadline(d)) return;
  const cur = getCondition(d.status, 'Progressing');
  if (cur?.reason === REASON_TIMED_OUT) return;
  const pausedCond = cur?.reason === REASON_PAUSED;
  const s: DeploymentStatus = { ...(d.status ?? {}), conditions: [...(d.status?.conditions ?? [])] };
  if (d.spec.paused && !pausedCond)
    setCondition(s, newCondition('Progressing', 'Unknown', REASON_PAUSED, 'Deployment is paused'));
  else if (!d.spec.paused && pausedCond)
    setCondition(s, newCondition('Progressing', 'Unknown', REASON_RESUMED, 'Deployment is resumed'));
  else return;
  await writeStatus(ctx, s);
}
