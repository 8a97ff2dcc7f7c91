// Where every wave stands against one revision, pure: per-board health, counts per wave, the
// first failure of each wave, and the earliest time a state changes by time alone.

import type { BoardHealth, BoardView } from './health.js';
import { boardHealth, revisionOf } from './health.js';
import { emptyCounts, type WaveCounts } from './gate.js';
import type { PlannedWave } from './plan.js';

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
      if (view.pod && revisionOf(view.pod) === revision) updated++;
      if (h.state === 'failed' && !failure) failure = `${name}: ${h.reason}`;
      if (h.wakeAt !== undefined) out.wakeAt = Math.min(out.wakeAt ?? h.wakeAt, h.wakeAt);
    }
    out.counts.push(c);
    out.updated.push(updated);
    out.firstFailure.push(failure);
  }
  return out;
}
