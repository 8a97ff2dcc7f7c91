// Restarts end to end (real hub, a real agent with a 1 s crash backoff base, the real engine,
// kubectl): CrashLoopBackOff with a growing delay, a failing liveness probe restarts the
// container, readiness gates the Ready condition without restarting.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTable } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';
import { Cluster, podYaml, ready, restarts, running } from './pods-harness.js';

const c = new Cluster([{ name: 'pr-a' }], ['--crash-backoff-base', '1s']);

test.before(() => c.start());
test.after(() => c.stop());

test('a crash-looping pod shows CrashLoopBackOff with a growing restart delay', async () => {
  const r = await c.apply(podYaml({ name: 'crasher', command: 'echo boom; exit 1' }));
  assert.is(r.code, 0, r.stderr);
  // restartCount -> startedAt of that attempt, seen while the container waits in back-off.
  const started = new Map<number, number>();
  let sawCrashLoop = false;
  await waitFor(
    async () => {
      const p = await c.pod('crasher');
      const cs = p.status?.containerStatuses?.[0];
      const t = cs?.lastState?.terminated;
      if (cs?.state?.waiting?.reason === 'CrashLoopBackOff') sawCrashLoop = true;
      if (cs?.state?.waiting && t?.startedAt) started.set(cs.restartCount, Date.parse(t.startedAt));
      return started.has(3) && started.has(0);
    },
    { timeoutMs: 40_000, intervalMs: 100, what: 'four crashed attempts seen' },
  ).catch((e: Error) => {
    throw new Error(`${e.message}; seen ${JSON.stringify([...started])}\n${c.tails()}`);
  });
  assert.ok(sawCrashLoop, 'waiting reason CrashLoopBackOff');
  const gaps = [1, 2, 3].map((n) => started.get(n)! - started.get(n - 1)!);
  console.log(`  gaps between attempts (base 1 s): ${gaps.join(', ')} ms`);
  assert.ok(gaps[0] >= 900, `first back-off ${gaps[0]} ms`);
  assert.ok(gaps[2] > gaps[0], `delay grows: ${gaps}`);
  const k = await waitFor(
    async () => {
      const out = await c.k(['get', 'pods', 'crasher']);
      const row = parseTable(out.stdout)[0];
      return row?.STATUS === 'CrashLoopBackOff' ? row : undefined;
    },
    { timeoutMs: 15_000, what: 'CrashLoopBackOff in kubectl get pods' },
  );
  assert.ok(Number(k.RESTARTS.split(' ')[0]) >= 3, k.RESTARTS);
  const prev = await c.k(['logs', 'crasher', '--previous']);
  assert.is(prev.stdout, 'boom\n', prev.stderr);
  const d = await c.k(['describe', 'pod', 'crasher']);
  assert.match(d.stdout, /Back-off restarting failed container main/);
  assert.is((await c.k(['delete', 'pod', 'crasher'])).code, 0);
});

test('a failing liveness probe (httpGet on a closed port) restarts the container', async () => {
  const r = await c.apply(
    podYaml({
      name: 'unwell',
      command: 'exec sleep 3600',
      container:
        '    livenessProbe:\n      httpGet: {path: /healthz, port: 8080}\n      periodSeconds: 1\n      failureThreshold: 2\n',
    }),
  );
  assert.is(r.code, 0, r.stderr);
  const p = await c.waitPod('unwell', (p) => restarts(p) >= 1, 'restartCount >= 1', 30_000);
  const cs = p.status?.containerStatuses?.[0];
  assert.ok(cs?.lastState?.terminated, JSON.stringify(cs));
  const d = await c.k(['describe', 'pod', 'unwell']);
  assert.match(d.stdout, /Unhealthy/);
  assert.match(d.stdout, /Liveness probe failed/);
  assert.is((await c.k(['delete', 'pod', 'unwell'])).code, 0);
});

test('readiness gates Ready: False until the probe passes, True, then False again without a restart', async () => {
  // The test makes the probe pass and fail (kubectl exec), so each state is seen before it changes
  // and nothing waits out a sleep of the pod's.
  const r = await c.apply(
    podYaml({
      name: 'gated',
      command: 'exec sleep 3600',
      container:
        '    readinessProbe:\n      exec: {command: [cat, /tmp/ready]}\n      periodSeconds: 1\n      failureThreshold: 1\n',
    }),
  );
  assert.is(r.code, 0, r.stderr);
  const p0 = await c.waitPod('gated', running, 'Running');
  assert.not.ok(ready(p0), 'not Ready while the probe fails');
  const row = parseTable((await c.k(['get', 'pods', 'gated'])).stdout)[0];
  assert.is(row?.READY, '0/1');
  const exec = async (...cmd: string[]) => {
    const x = await c.k(['exec', 'gated', '--', ...cmd]);
    assert.is(x.code, 0, x.stderr);
  };
  await exec('touch', '/tmp/ready');
  await c.waitPod('gated', ready, 'Ready=True', 15_000);
  assert.is(parseTable((await c.k(['get', 'pods', 'gated'])).stdout)[0]?.READY, '1/1');
  await exec('rm', '/tmp/ready');
  const p2 = await c.waitPod('gated', (p) => !ready(p), 'Ready=False again', 15_000);
  assert.is(restarts(p2), 0, 'readiness never restarts');
  assert.is(p2.status?.phase, 'Running');
});

test.run();
