// Deployment status: counts summed over its ReplicaSets, conditions (Available, Progressing)
// and the write of .status (deployment sync.go calculateStatus / syncDeploymentStatus).

import type {
  Deployment,
  DeploymentCondition,
  DeploymentStatus,
  ReplicaSet,
} from '../../../shared/api/apps.js';
import type { ConditionStatus } from '../../../shared/api/types.js';
import { isConflict } from '../../api/errors.js';
import { nowTimestamp } from '../../api/meta.js';
import type { SyncContext } from './context.js';
import {
  actualOf,
  availableOf,
  maxUnavailable,
  readyOf,
  replicasOf,
  specReplicas,
  sum,
} from './rollout-math.js';

// Condition reasons (deployment util).
export const REASON_NEW_RS = 'NewReplicaSetCreated';
export const REASON_FOUND_NEW_RS = 'FoundNewReplicaSet';
export const REASON_RS_UPDATED = 'ReplicaSetUpdated';
export const REASON_NEW_RS_AVAILABLE = 'NewReplicaSetAvailable';
export const REASON_TIMED_OUT = 'ProgressDeadlineExceeded';
export const REASON_PAUSED = 'DeploymentPaused';
export const REASON_RESUMED = 'DeploymentResumed';
export const REASON_FAILED_RS_CREATE = 'ReplicaSetCreateError';
export const REASON_MIN_AVAILABLE = 'MinimumReplicasAvailable';
export const REASON_MIN_UNAVAILABLE = 'MinimumReplicasUnavailable';

export function newCondition(
  type: string,
  status: ConditionStatus,
  reason: string,
  message: string,
  now = Date.now(),
): DeploymentCondition {
  const t = nowTimestamp(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function getCondition(s: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return s?.conditions?.find((c) => c.type === type);
}

/** SetDeploymentCondition: same status and reason -> unchanged; same status keeps the transition time. */
export function setCondition(s: DeploymentStatus, c: DeploymentCondition): void {
  const cur = getCondition(s, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  if (cur && cur.status === c.status) c.lastTransitionTime = cur.lastTransitionTime;
  s.conditions = [...(s.conditions ?? []).filter((x) => x.type !== c.type), c];
}

export function removeCondition(s: DeploymentStatus, type: string): void {
  s.conditions = (s.conditions ?? []).filter((x) => x.type !== type);
}

/** calculateStatus: counts from the ReplicaSets plus the Available condition. */
export function calculateStatus(
  allRSs: ReplicaSet[],
  newRS: ReplicaSet | undefined,
  d: Deployment,
  now = Date.now(),
): DeploymentStatus {
  const available = sum(allRSs, availableOf);
  const total = sum(allRSs, specReplicas);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 1,
    replicas: sum(allRSs, actualOf),
    updatedReplicas: newRS ? actualOf(newRS) : 0,
    readyReplicas: sum(allRSs, readyOf),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    conditions: (d.status?.conditions ?? []).map((c) => ({ ...c })),
    ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
  };
  if (available >= replicasOf(d) - maxUnavailable(d))
    setCondition(
      status,
      newCondition('Available', 'True', REASON_MIN_AVAILABLE, 'Deployment has minimum availability.', now),
    );
  else
    setCondition(
      status,
      newCondition(
        'Available',
        'False',
        REASON_MIN_UNAVAILABLE,
        'Deployment does not have minimum availability.',
        now,
      ),
    );
  return status;
}

function comparable(s: DeploymentStatus | undefined): string {
  return JSON.stringify({ ...(s ?? {}), conditions: s?.conditions ?? [] });
}

/** Writes .status when it differs; a conflict is retried by the caller's requeue. */
export async function writeStatus(ctx: SyncContext, status: DeploymentStatus): Promise<boolean> {
  if (comparable(ctx.d.status) === comparable(status)) return false;
  try {
    ctx.d = await ctx.client.update<Deployment>(
      'deployments',
      ctx.d.metadata.namespace,
      { ...ctx.d, status },
      'status',
    );
  } catch (e) {
    if (isConflict(e)) {
      ctx.requeueAfterMs = 0;
      return false;
    }
    throw e;
  }
  return true;
}

/** syncDeploymentStatus: status without touching the Progressing condition. */
export async function syncDeploymentStatus(
  ctx: SyncContext,
  allRSs: ReplicaSet[],
  newRS: ReplicaSet | undefined,
): Promise<void> {
  await writeStatus(ctx, calculateStatus(allRSs, newRS, ctx.d));
}
