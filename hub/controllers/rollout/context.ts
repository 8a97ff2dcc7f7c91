// What one reconcile of a Rollout works on: the objects read from the informers, the status
// being built, and the writes the steps may ask for (the controller provides them).

import type { Rollout, RolloutPhase, RolloutStatus } from '../../../shared/api/rollout.js';
import type { Assessment } from './assess.js';
import type { BoardView } from './health.js';
import type { PaceGrant } from './pace.js';
import type { Board, PlannedWave } from './plan.js';
import type { RolloutTarget } from './target.js';

export interface RolloutOps {
  /** The rollout's target workload as the informers show it, or undefined when it does not exist. */
  target(ro: Rollout): RolloutTarget | undefined;
  event(ro: Rollout, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** The rollout's waves over these boards (planWaves, kept while spec and boards stay the same). */
  plan(ro: Rollout, boards: readonly Board[]): readonly PlannedWave[];
  /** Up to wanted board starts the rollout's pace allows at now (pace.ts), taken from its bucket. */
  pace(ro: Rollout, perMinute: number, wanted: number, now: number): PaceGrant;
}

export interface RolloutContext {
  ro: Rollout;
  ops: RolloutOps;
  now: number;
  target?: RolloutTarget;
  /** The target's current template hash (its pods' controller-revision-hash or pod-template-hash). */
  hash: string;
  boards: Map<string, BoardView>;
  /** The waves planned for this reconcile (shared with other reconciles: never modified). */
  waves: readonly PlannedWave[];
  /** assessed()'s results by revision; boards, waves and now must not change once one is made. */
  assessments: Map<string, Assessment>;
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
