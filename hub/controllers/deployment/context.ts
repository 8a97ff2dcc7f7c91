// What one Deployment reconcile works on: the deployment as last written, its ReplicaSets,
// and the means to write. Steps replace objects here after each write, so later steps see
// the sizes and annotations just set.

import type { ApiClient } from '../../api/client.js';
import type { EventRecorder } from '../../events/recorder.js';
import type { Deployment, ReplicaSet } from '../../../shared/api/apps.js';
import type { Pod } from '../../../shared/api/types.js';
import type { Logger } from '../../../shared/log.js';

export interface SyncContext {
  client: ApiClient;
  recorder?: EventRecorder;
  log: Logger;
  d: Deployment;
  /** ReplicaSets the deployment controls (claimed). */
  rsList: ReplicaSet[];
  /** Pods a ReplicaSet (by UID) controls, from the shared informer (never mutate them). */
  podsOf(rsUid: string): Pod[];
  /**
   * A drover.io Rollout targets the deployment: the rollout, not this controller, sizes its
   * ReplicaSets (hub/controllers/rollout/targets/deployment.ts), as a paused one is left alone.
   */
  rolloutManaged: boolean;
  /** Ask the runner to look again after this many ms (the smallest wins). */
  requeueAfterMs?: number;
}

export function requeueAfter(ctx: SyncContext, ms: number): void {
  ctx.requeueAfterMs = ctx.requeueAfterMs === undefined ? ms : Math.min(ctx.requeueAfterMs, ms);
}

/** Puts a written ReplicaSet in place of its previous version. */
export function replaceRS(ctx: SyncContext, rs: ReplicaSet): void {
  const i = ctx.rsList.findIndex((x) => x.metadata.uid === rs.metadata.uid);
  if (i >= 0) ctx.rsList[i] = rs;
  else ctx.rsList.push(rs);
}

export async function recordEvent(
  ctx: SyncContext,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
): Promise<void> {
  await ctx.recorder?.record(ctx.d, type, reason, message);
}
