// Deployments and DaemonSets with their rollout progress (updated / ready / available of the
// desired count, the Progressing condition), and the actions kubectl offers for them: scale,
// rollout restart, rollout pause/resume; then the fleet Rollouts with their waves.

import { useState } from 'preact/hooks';
import type { DaemonSet, Deployment } from '../../../shared/api/apps.js';
import { restartWorkload, scaleDeployment, setPaused } from '../api/actions.js';
import { paths } from '../api/paths.js';
import { Bar } from '../components/bar.js';
import { useInformer } from '../lib/use-informer.js';
import { RolloutsSection } from './rollouts.js';

function key(o: { metadata: { namespace?: string; name?: string } }): string {
  return `${o.metadata.namespace}/${o.metadata.name}`;
}

function byName<T extends { metadata: { namespace?: string; name?: string } }>(m: Map<string, T>): T[] {
  return [...m.values()].sort((a, b) => key(a).localeCompare(key(b)));
}

function ScaleControl({
  d,
  run,
}: {
  d: Deployment;
  run: (label: string, fn: () => Promise<unknown>) => void;
}) {
  const [n, setN] = useState(String(d.spec.replicas ?? 1));
  const ns = d.metadata.namespace ?? 'default';
  const name = d.metadata.name ?? '';
  return (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault();
        run(`scale ${name}`, () => scaleDeployment(ns, name, Number(n)));
      }}
    >
      <input
        type="number"
        min="0"
        value={n}
        onInput={(e) => setN((e.target as HTMLInputElement).value)}
        data-testid={`replicas-${name}`}
      />
      <button type="submit" data-testid={`scale-${name}`}>
        Scale
      </button>
    </form>
  );
}

export function WorkloadsPage() {
  const deps = useInformer<Deployment>(paths.deployments);
  const dss = useInformer<DaemonSet>(paths.daemonsets);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState('');
  const run = (label: string, fn: () => Promise<unknown>) => {
    setBusy(label);
    setError('');
    fn()
      .catch((e: Error) => setError(`${label}: ${e.message}`))
      .finally(() => setBusy(''));
  };
  return (
    <section>
      <h1>Workloads</h1>
      {error && <p class="error">{error}</p>}
      {busy && <p class="muted">{busy}…</p>}
      <h2>Deployments</h2>
      <table class="grid" data-testid="deployments">
        <thead>
          <tr>
            <th>Namespace</th>
            <th>Name</th>
            <th>Rollout (updated / desired)</th>
            <th>Ready</th>
            <th>Available</th>
            <th>Status</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {byName(deps.items).map((d) => {
            const want = d.spec.replicas ?? 1;
            const s = d.status ?? {};
            const prog = s.conditions?.find((c) => c.type === 'Progressing');
            const ns = d.metadata.namespace ?? 'default';
            const name = d.metadata.name ?? '';
            return (
              <tr key={key(d)} data-deployment={name}>
                <td>{ns}</td>
                <td>{name}</td>
                <td class="wide">
                  <Bar
                    value={s.updatedReplicas ?? 0}
                    max={want}
                    label={`${s.updatedReplicas ?? 0} / ${want}`}
                  />
                </td>
                <td data-testid={`ready-${name}`}>
                  {s.readyReplicas ?? 0}/{want}
                </td>
                <td>{s.availableReplicas ?? 0}</td>
                <td class="msg" title={prog?.message}>
                  {d.spec.paused ? 'Paused' : (prog?.reason ?? '')}
                </td>
                <td class="actions">
                  <ScaleControl key={`${name}-${d.spec.replicas}`} d={d} run={run} />
                  <button
                    type="button"
                    data-testid={`restart-${name}`}
                    onClick={() => run(`restart ${name}`, () => restartWorkload('Deployment', ns, name))}
                  >
                    Restart
                  </button>
                  <button
                    type="button"
                    data-testid={`pause-${name}`}
                    onClick={() => run(`pause ${name}`, () => setPaused(ns, name, !d.spec.paused))}
                  >
                    {d.spec.paused ? 'Resume' : 'Pause'}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>DaemonSets</h2>
      <table class="grid" data-testid="daemonsets">
        <thead>
          <tr>
            <th>Namespace</th>
            <th>Name</th>
            <th>Rollout (updated / desired)</th>
            <th>Current</th>
            <th>Ready</th>
            <th>Available</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {byName(dss.items).map((d) => {
            const s = d.status;
            const want = s?.desiredNumberScheduled ?? 0;
            const ns = d.metadata.namespace ?? 'default';
            const name = d.metadata.name ?? '';
            return (
              <tr key={key(d)}>
                <td>{ns}</td>
                <td>{name}</td>
                <td class="wide">
                  <Bar
                    value={s?.updatedNumberScheduled ?? 0}
                    max={want}
                    label={`${s?.updatedNumberScheduled ?? 0} / ${want}`}
                  />
                </td>
                <td>{s?.currentNumberScheduled ?? 0}</td>
                <td>{s?.numberReady ?? 0}</td>
                <td>{s?.numberAvailable ?? 0}</td>
                <td class="actions">
                  <button
                    type="button"
                    data-testid={`restart-ds-${name}`}
                    onClick={() => run(`restart ${name}`, () => restartWorkload('DaemonSet', ns, name))}
                  >
                    Restart
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <RolloutsSection run={run} />
    </section>
  );
}
