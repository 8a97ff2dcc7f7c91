// How a Rollout's progress reads to a person, shared by `drover rollout status` and the
// dashboard, so both name a wave's state and change a rollout the same way.

import type { Rollout, RolloutSpec } from './rollout.js';

export type WaveState =
  | 'passed'
  | 'in progress'
  | 'paused'
  | 'waiting'
  | 'failed'
  | 'rolled back'
  | 'not started';

/** The state of wave i, from the rollout's phase and current wave. */
export function waveState(ro: Rollout, i: number): WaveState {
  const st = ro.status ?? {};
  const current = st.currentWave ?? 0;
  const w = st.waves?.[i];
  if (st.phase === 'RollingBack' || st.phase === 'RolledBack' || st.phase === 'Aborted')
    return w && w.failed > 0 ? 'failed' : i <= current ? 'rolled back' : 'not started';
  if (i < current || st.phase === 'Completed') return 'passed';
  if (i === current) return st.phase === 'Paused' || ro.spec.paused ? 'paused' : 'in progress';
  return 'waiting';
}

export type RolloutAction = 'pause' | 'resume' | 'abort';

/** The spec merge patch of each action; resume clears both pause and abort (the CLI's help). */
export const ROLLOUT_ACTION_SPEC: Record<RolloutAction, Partial<RolloutSpec>> = {
  pause: { paused: true },
  resume: { paused: false, abort: false },
  abort: { abort: true },
};
