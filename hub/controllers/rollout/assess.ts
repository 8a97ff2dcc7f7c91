// Where every wave stands against one revision, pure: per-board health, counts per wave, the
// first failure of each wave, and the earliest time a state changes by time alone.

import type { RolloutContext } from './context.js';
import type { BoardHealth, BoardView } from './health.js';
import { boardHealth } from './health.js';
import { emptyCounts, type WaveCounts } from './gate.js';
import type { PlannedWave } from './plan.js';
import { podFacts } from './pod-facts.js';

export interface Assessment {
  counts: WaveCounts[];
  health: Map<string, BoardHealth>;
  /** Boards of each wave whose pod runs the revision (healthy or not). */
  updated: number[];
  /** A failed board of each wave and why, for the gate's message. */
  firstFailure: (string | undefined)[];
  wakeAt?: number;
}

export function assess(
  waves: readonly PlannedWave[],
  boards: ReadonlyMap<string, BoardView>,
  revision: string,
  now: number,
): Assessment {
  const out: Assessment = { counts: [], health: new Map(), updated: [], firstFailure: [] };
  for (const w of waves) {
    const c = emptyCounts(w.boards.length);
    let failure: string | undefined;
    let updated = 0;
    for (const name of w.boards) {
      const view = boards.get(name) ?? { node: name, nodeReady: false, terminating: false };
      const h = boardHealth(view, revision, w.gate, now);
      out.health.set(name, h);
      c[h.state]++;
      if (view.pod && podFacts(view.pod).revision === revision) updated++;
      if (h.state === 'failed' && !failure) failure = `${name}: ${h.reason}`;
      if (h.wakeAt !== undefined) out.wakeAt = Math.min(out.wakeAt ?? h.wakeAt, h.wakeAt);
    }
    out.counts.push(c);
    out.updated.push(updated);
    out.firstFailure.push(failure);
  }
  return out;
}

/**
 * assess() of this reconcile's boards against revision, computed once: the gates, the board
 * updates and the status all read it, and the boards, waves and clock do not change within a
 * reconcile (each assessment walks the whole fleet).
 */
export function assessed(ctx: RolloutContext, revision: string): Assessment {
  let a = ctx.assessments.get(revision);
  if (!a) {
    a = assess(ctx.waves, ctx.boards, revision, ctx.now);
    ctx.assessments.set(revision, a);
  }
  return a;
}
