// Wave planning, pure: which boards each wave of a Rollout takes. Boards are the nodes that run
// the target's pods, in name order (stable across reconciles while the fleet is). Each wave
// takes from the boards no earlier wave took: those its selector matches (all without one),
// then a percent of them (rounded up) or a count. Boards no wave took form a last wave,
// "remainder", so a rollout always ends with the whole fleet on the new revision (as Argo
// Rollouts promotes fully after its last step).

import type { RolloutGate, RolloutSpec } from '../../../shared/api/rollout.js';
import { fromLabelSelector, matches } from '../../../shared/api/labels.js';
import { waveName } from '../../api/resources/rollouts.js';
import { scaledValue } from '../deployment/rollout-math.js';

export const REMAINDER_WAVE = 'remainder';

export interface Board {
  name: string;
  labels?: Record<string, string>;
}

/** A gate with every field set (the spec's, overridden by the wave's). */
export interface ResolvedGate {
  soakSeconds: number;
  boardTimeoutSeconds: number;
  failurePercent: number;
  failureMinBoards: number;
}

export interface PlannedWave {
  name: string;
  boards: string[];
  /** Boards of this wave updating at once, >= 1. */
  maxInFlight: number;
  /** Boards of this wave starting their update a minute (the wave's, else the rollout's); unset: no limit. */
  maxPerMinute?: number;
  gate: ResolvedGate;
}

function resolveGate(spec: RolloutGate | undefined, wave: RolloutGate | undefined): ResolvedGate {
  const g = { ...spec, ...wave };
  const t = { ...spec?.failureThreshold, ...wave?.failureThreshold };
  return {
    soakSeconds: g.soakSeconds ?? 0,
    boardTimeoutSeconds: g.boardTimeoutSeconds ?? 1,
    failurePercent: t.percent ?? 0,
    failureMinBoards: t.minBoards ?? 1,
  };
}

export function planWaves(
  spec: Pick<RolloutSpec, 'waves' | 'gate' | 'maxPerMinute'>,
  boards: readonly Board[],
): PlannedWave[] {
  let remaining = [...boards].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: PlannedWave[] = [];
  spec.waves.forEach((w, i) => {
    const sel = w.selector ? fromLabelSelector(w.selector) : undefined;
    const eligible = sel ? remaining.filter((b) => matches(sel, b.labels)) : remaining;
    const n =
      w.percent !== undefined
        ? Math.ceil((w.percent * eligible.length) / 100)
        : w.count !== undefined
          ? Math.min(w.count, eligible.length)
          : eligible.length;
    const taken = eligible.slice(0, n);
    const takenNames = new Set(taken.map((b) => b.name));
    remaining = remaining.filter((b) => !takenNames.has(b.name));
    out.push({
      name: waveName(w, i),
      boards: taken.map((b) => b.name),
      maxInFlight: Math.max(1, scaledValue(w.maxInFlight ?? '100%', taken.length, true)),
      maxPerMinute: w.maxPerMinute ?? spec.maxPerMinute,
      gate: resolveGate(spec.gate, w.gate),
    });
  });
  if (remaining.length)
    out.push({
      name: REMAINDER_WAVE,
      boards: remaining.map((b) => b.name),
      maxInFlight: remaining.length,
      maxPerMinute: spec.maxPerMinute,
      gate: resolveGate(spec.gate, undefined),
    });
  return out;
}
