// What `drover rollout status` prints, pure: a header, the pace of the wave in progress when it
// has one, a progress bar of the boards on the new revision, and one row per wave (boards,
// updated, healthy, failed, pending, state).

import type { Rollout } from '../shared/api/rollout.js';
import { waveState } from '../shared/api/rollout-progress.js';
import { formatColumns } from './table.js';

/** Width of the progress bar, characters. */
export const PROGRESS_BAR_WIDTH = 30;

export function progressBar(done: number, total: number, width = PROGRESS_BAR_WIDTH): string {
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const full = Math.round(frac * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${done}/${total} boards (${Math.round(frac * 100)}%)`;
}

/** The pace of the wave in progress (its own, else the rollout's; the remainder wave has the rollout's). */
export function paceOf(ro: Rollout): number | undefined {
  const i = ro.status?.currentWave ?? 0;
  return ro.spec.waves[i]?.maxPerMinute ?? ro.spec.maxPerMinute;
}

export function renderRollout(ro: Rollout): string {
  const st = ro.status ?? {};
  const rev =
    st.updateRevision && st.updateRevision !== st.stableRevision
      ? `revision ${st.stableRevision ?? '?'} -> ${st.updateRevision}`
      : `revision ${st.stableRevision ?? '?'}`;
  const head = `rollout ${ro.metadata.namespace}/${ro.metadata.name} -> ${ro.spec.targetRef.kind.toLowerCase()}/${ro.spec.targetRef.name}: ${st.phase ?? 'Unknown'} (${rev})`;
  const rows = (st.waves ?? []).map((w, i) => [
    w.name,
    String(w.boards),
    String(w.updated),
    String(w.healthy),
    String(w.failed),
    String(w.pending),
    waveState(ro, i),
  ]);
  const pace = paceOf(ro);
  const moving = st.phase === 'Progressing' || st.phase === 'Paused';
  return [
    head,
    st.message ? `  ${st.message}` : '',
    moving && pace !== undefined ? `  pace: at most ${pace} boards a minute start their update` : '',
    progressBar(st.updatedBoards ?? 0, st.boards ?? 0),
    formatColumns(['wave', 'boards', 'updated', 'healthy', 'failed', 'pending', 'state'], rows).trimEnd(),
  ]
    .filter((l) => l !== '')
    .join('\n')
    .concat('\n');
}

/** The rollout has stopped moving: nothing more to watch. */
export function isSettled(ro: Rollout): boolean {
  const p = ro.status?.phase;
  const fresh = (ro.status?.observedGeneration ?? 0) >= (ro.metadata.generation ?? 0);
  return fresh && (p === 'Completed' || p === 'Healthy' || p === 'RolledBack' || p === 'Aborted');
}

/** Exit status of `status`: 1 when the rollout ended rolled back or aborted. */
export function exitCodeOf(ro: Rollout): number {
  const p = ro.status?.phase;
  return p === 'RolledBack' || p === 'Aborted' ? 1 : 0;
}
