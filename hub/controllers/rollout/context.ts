// What one reconcile of a Rollout works on: the objects read from the informers, the status
// being built, and the writes the steps may ask for (the controller provides them).

import type { ControllerRevision, DaemonSet } from '../../../shared/api/apps.js';
import type { Rollout, RolloutPhase, RolloutStatus } from '../../../shared/api/rollout.js';
import type { Pod } from '../../../shared/api/types.js';
import type { BoardView } from './health.js';
import type { PlannedWave } from './plan.js';

export interface RolloutOps {
  /** The target DaemonSet from the informer. */
  daemonSet(namespace: string, name: string): DaemonSet | undefined;
  /** Board views of the DaemonSet's pods, by node name. */
  boards(ds: DaemonSet): Map<string, BoardView>;
  nodeLabels(node: string): Record<string, string> | undefined;
  revisions(ds: DaemonSet): ControllerRevision[];
  patchDaemonSet(ds: DaemonSet, patch: unknown, type: 'merge' | 'strategic'): Promise<void>;
  /** Deletes daemon pods (the DaemonSet, OnDelete, recreates them from its template). */
  deletePods(ro: Rollout, pods: Pod[], why: string): Promise<void>;
  /** The informer has shown every deletion asked for by this rollout. */
  settled(ro: Rollout): boolean;
  event(ro: Rollout, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface RolloutContext {
  ro: Rollout;
  ops: RolloutOps;
  now: number;
  ds?: DaemonSet;
  /** The DaemonSet's current template hash (its controller-revision-hash). */
  hash: string;
  boards: Map<string, BoardView>;
  /** The waves planned for this reconcile. */
  waves: PlannedWave[];
  /** The status being built (starts as a copy of the stored one). */
  next: RolloutStatus;
  /** Reason of the Progressing condition this reconcile sets. */
  reason?: string;
  /** Earliest time something changes by time alone, ms since epoch. */
  wakeAt?: number;
}

export const TERMINAL_PHASES: ReadonlySet<RolloutPhase> = new Set([
  'Healthy',
  'Completed',
  'RolledBack',
  'Aborted',
]);

export function setPhase(ctx: RolloutContext, phase: RolloutPhase, reason: string, message: string): void {
  ctx.next.phase = phase;
  ctx.next.message = message;
  ctx.reason = reason;
}

export function wakeAt(ctx: RolloutContext, at: number | undefined): void {
  if (at !== undefined) ctx.wakeAt = Math.min(ctx.wakeAt ?? at, at);
}
