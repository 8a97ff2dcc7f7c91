// A Rollout end to end on two real agents (real hub process, the real Docker engine, the real
// kubectl and `drover rollout`): ro-a is the canary. A template whose container exits at once
// restarts on ro-a, fails the canary gate, and the DaemonSet goes back to the stable template
// on ro-a while ro-b never gets it; a good template then passes both waves. hostNetwork, as
// fleet daemons often run: a container start that fails on the shared engine's bridge (seen
// while other suites create and remove networks) would count as a restart and fail the gate.

import { execFile } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DaemonSet } from '../../shared/api/apps.js';
import type { Rollout } from '../../shared/api/rollout.js';
import type { Pod } from '../../shared/api/types.js';
import { targetNode } from '../../hub/controllers/daemonset/placement.js';
import { getJson } from '../helpers/api.js';
import { CLI } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';
import { running } from './pods-harness.js';
import { active, daemonSetYaml, WorkloadCluster } from './workloads-harness.js';

// The bad template fails the gate at its first restart, which comes after the agent's crash
// back-off: 1 s instead of kubelet's 10 s, the same restart sooner.
const c = new WorkloadCluster([{ name: 'ro-a' }, { name: 'ro-b' }], [], ['--crash-backoff-base', '1s']);
const SEL = 'app=fleetd';

test.before(() => c.start());
test.after(() => c.stop());

const ds = (command: string) => daemonSetYaml({ name: 'fleetd', command, onDelete: true });

const ROLLOUT = `apiVersion: drover.io/v1alpha1
kind: Rollout
metadata:
  name: fleetd
spec:
  targetRef: {kind: DaemonSet, name: fleetd}
  waves:
  - name: canary
    selector: {matchLabels: {ring: canary}}
  - name: rest
  gate: {soakSeconds: 1, boardTimeoutSeconds: 60}
`;

const rollout = () =>
  getJson<Rollout>(c.hub.apiUrl, '/apis/drover.io/v1alpha1/namespaces/default/rollouts/fleetd');
const rev = (p: Pod) => p.metadata.labels?.['controller-revision-hash'] ?? '';

function drover(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args, '--kubeconfig', c.hub.kubeconfig], (e, out) =>
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out }),
    );
  });
}

/**
 * Waits for the phase; meanwhile records the nodes that ever had a pod of another revision than
 * `stable`: its binding, or before the scheduler binds it the node its affinity pins it to.
 */
async function waitPhase(phase: string, notStable: string | undefined, seenOther?: Set<string>) {
  return waitFor(
    async () => {
      if (seenOther)
        for (const p of await c.pods(SEL)) if (rev(p) !== notStable) seenOther.add(targetNode(p) ?? '');
      const ro = await rollout();
      return ro.status?.phase === phase &&
        ro.status.stableRevision !== (phase === 'Completed' ? notStable : '')
        ? ro
        : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, what: `rollout ${phase}` },
  ).catch(async (e: Error) => {
    const pods = (await c.pods(SEL)).map((p) => [
      p.spec.nodeName,
      rev(p),
      p.status?.phase,
      p.metadata.deletionTimestamp,
    ]);
    const d = await getJson<DaemonSet>(c.hub.apiUrl, '/apis/apps/v1/namespaces/default/daemonsets/fleetd');
    const events = (await c.k(['get', 'events', '--sort-by=.lastTimestamp'])).stdout;
    throw new Error(
      `${e.message}\n${JSON.stringify((await rollout()).status)}\n${JSON.stringify(pods)}\ntemplate: ${JSON.stringify(d.spec.template.spec.containers[0].command)}\n${events}\n${c.tails()}`,
    );
  });
}

test('two real boards: a crashing template is stopped at the canary and rolled back; a good one completes', async () => {
  const label = await c.k(['label', 'node', 'ro-a', 'ring=canary']);
  assert.is(label.code, 0, label.stderr);
  const applied = await c.apply(`${ds('exec sleep 3600')}---\n${ROLLOUT}`);
  assert.is(applied.code, 0, applied.stderr);
  await waitFor(async () => (await c.pods(SEL)).filter((p) => active(p) && running(p)).length === 2, {
    timeoutMs: 60_000,
    what: 'a Running pod on each board',
  });
  const healthy = await waitPhase('Healthy', undefined);
  const stable = healthy.status?.stableRevision ?? '';

  // The bad template: its container exits at once, the agent restarts it.
  const other = new Set<string>();
  const bad = await c.apply(ds('exit 1'));
  assert.is(bad.code, 0, bad.stderr);
  const rolledBack = await waitPhase('RolledBack', stable, other);
  assert.equal([...other], ['ro-a'], 'only the canary ran the bad revision');
  assert.is(rolledBack.status?.waves?.[0]?.failed, 1);
  assert.match(rolledBack.status?.message ?? '', /failed its gate/);
  await waitFor(
    async () => {
      const pods = (await c.pods(SEL)).filter((p) => active(p) && running(p));
      return pods.length === 2 && pods.every((p) => rev(p) === stable);
    },
    { timeoutMs: 60_000, what: 'both boards back on the stable revision' },
  );
  const failed = await drover('rollout', 'status', 'fleetd');
  assert.is(failed.code, 1, failed.out);
  assert.match(failed.out, /RolledBack/);

  const good = await c.apply(ds('exec sleep 3601'));
  assert.is(good.code, 0, good.stderr);
  const done = await waitPhase('Completed', stable);
  assert.equal(
    done.status?.waves?.map((w) => [w.name, w.boards, w.healthy]),
    [
      ['canary', 1, 1],
      ['rest', 1, 1],
    ],
  );
  const status = await drover('rollout', 'status', 'fleetd');
  assert.is(status.code, 0, status.out);
  assert.match(status.out, /\[#+\] 2\/2 boards \(100%\)/);
  const get = await c.k(['get', 'rollouts']);
  assert.match(get.stdout, /fleetd\s+daemonset\/fleetd\s+Completed\s+2\/2\s+2\/2/);
  const describe = await c.k(['describe', 'rollout', 'fleetd']);
  assert.is(describe.code, 0, describe.stderr);
  assert.match(describe.stdout, /GateFailed/);
});

test.run();
