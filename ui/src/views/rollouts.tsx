// Fleet rollouts (drover.io/v1alpha1 Rollout) on the workloads page: per rollout its target,
// phase, boards on the new revision, and one bar per wave (updated of the wave's boards, with
// healthy / failed / pending and the wave's state as `drover rollout status` names it); the
// actions of `drover rollout pause|resume|abort`.

import { type RolloutAction, waveState } from '../../../shared/api/rollout-progress.js';
import type { Rollout } from '../../../shared/api/rollout.js';
import { rolloutAction } from '../api/actions.js';
import { paths } from '../api/paths.js';
import { Bar } from '../components/bar.js';
import { useInformer } from '../lib/use-informer.js';

type Run = (label: string, fn: () => Promise<unknown>) => void;

function actionsOf(ro: Rollout): RolloutAction[] {
  if (ro.spec.abort) return ['resume'];
  return ro.spec.paused ? ['resume', 'abort'] : ['pause', 'abort'];
}

function RolloutCard({ ro, run }: { ro: Rollout; run: Run }) {
  const st = ro.status ?? {};
  const ns = ro.metadata.namespace ?? 'default';
  const name = ro.metadata.name ?? '';
  const revision =
    st.updateRevision && st.updateRevision !== st.stableRevision
      ? `${st.stableRevision ?? '?'} → ${st.updateRevision}`
      : (st.stableRevision ?? '');
  return (
    <div class="rollout" data-rollout={name}>
      <h3>
        {ns}/{name}{' '}
        <span class="muted">
          → {ro.spec.targetRef.kind.toLowerCase()}/{ro.spec.targetRef.name}
        </span>{' '}
        <span class="phase" data-testid={`phase-${name}`}>
          {st.phase ?? 'Unknown'}
        </span>
      </h3>
      <p class="muted">
        revision {revision}
        {st.message ? ` · ${st.message}` : ''}
      </p>
      <Bar
        value={st.updatedBoards ?? 0}
        max={st.boards ?? 0}
        label={`${st.updatedBoards ?? 0} / ${st.boards ?? 0} boards updated`}
      />
      <table class="grid">
        <thead>
          <tr>
            <th>Wave</th>
            <th>Updated / boards</th>
            <th>Healthy</th>
            <th>Failed</th>
            <th>Pending</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {(st.waves ?? []).map((w, i) => (
            <tr key={w.name} data-wave={w.name}>
              <td>{w.name}</td>
              <td class="wide">
                <Bar value={w.updated} max={w.boards} label={`${w.updated} / ${w.boards}`} />
              </td>
              <td>{w.healthy}</td>
              <td class={w.failed > 0 ? 'bad' : ''}>{w.failed}</td>
              <td>{w.pending}</td>
              <td data-testid={`wave-state-${name}-${w.name}`}>{waveState(ro, i)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="actions">
        {actionsOf(ro).map((a) => (
          <button
            key={a}
            type="button"
            data-testid={`rollout-${a}-${name}`}
            onClick={() => run(`${a} rollout ${name}`, () => rolloutAction(ns, name, a))}
          >
            {a[0].toUpperCase() + a.slice(1)}
          </button>
        ))}
      </p>
    </div>
  );
}

export function RolloutsSection({ run }: { run: Run }) {
  const ros = useInformer<Rollout>(paths.rollouts);
  const items = [...ros.items.values()].sort((a, b) =>
    `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`),
  );
  return (
    <>
      <h2>Rollouts</h2>
      <div data-testid="rollouts">
        {items.length === 0 && <p class="muted">No rollouts.</p>}
        {items.map((ro) => (
          <RolloutCard key={`${ro.metadata.namespace}/${ro.metadata.name}`} ro={ro} run={run} />
        ))}
      </div>
    </>
  );
}
