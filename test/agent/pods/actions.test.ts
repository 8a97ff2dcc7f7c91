import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Action, planPod, planTermination } from '../../../agent/pods/actions.js';
import type { BackoffEntry } from '../../../agent/pods/backoff.js';
import type { Container } from '../../../shared/api/types.js';
import { exited, kinds, pod, rc } from './fixtures.js';

const cfg = { initialMs: 10_000, maxMs: 300_000, resetAfterRunMs: 600_000 };
const web: Container = { name: 'web', image: 'img:1' };
const T0 = Date.parse('2024-01-01T00:01:00.000Z');

test('no container: start attempt 0', () => {
  const p = pod([web]);
  const plan = planPod({
    pod: p,
    containers: [],
    now: T0,
    backoff: new Map(),
    unhealthy: new Map(),
    backoffConfig: cfg,
  });
  assert.equal(kinds(plan.actions), ['start:web#0']);
});

test('running with the same spec: nothing', () => {
  const p = pod([web]);
  const plan = planPod({
    pod: p,
    containers: [rc(p, web, 0)],
    now: T0,
    backoff: new Map(),
    unhealthy: new Map(),
    backoffConfig: cfg,
  });
  assert.equal(plan.actions, []);
});

test('running with a changed spec: kill', () => {
  const p = pod([{ ...web, image: 'img:2' }]);
  const plan = planPod({
    pod: p,
    containers: [rc(p, web, 0)],
    now: T0,
    backoff: new Map(),
    unhealthy: new Map(),
    backoffConfig: cfg,
  });
  assert.equal(kinds(plan.actions), ['kill:SpecChanged']);
});

test('unhealthy: kill with the probe grace', () => {
  const c = { ...web, livenessProbe: { exec: { command: ['false'] }, terminationGracePeriodSeconds: 3 } };
  const p = pod([c]);
  const r = rc(p, c, 0);
  const plan = planPod({
    pod: p,
    containers: [r],
    now: T0,
    backoff: new Map(),
    unhealthy: new Map([[r.id, 'dead']]),
    backoffConfig: cfg,
  });
  assert.equal(kinds(plan.actions), ['kill:Unhealthy']);
  assert.is((plan.actions[0] as { graceSeconds: number }).graceSeconds, 3);
});

const restartTable: { policy: 'Always' | 'OnFailure' | 'Never'; code: number; restart: boolean }[] = [
  { policy: 'Always', code: 0, restart: true },
  { policy: 'Always', code: 1, restart: true },
  { policy: 'OnFailure', code: 0, restart: false },
  { policy: 'OnFailure', code: 1, restart: true },
  { policy: 'Never', code: 1, restart: false },
  { policy: 'Never', code: 0, restart: false },
];
for (const t of restartTable) {
  test(`restartPolicy ${t.policy} exit ${t.code}: ${t.restart ? 'restart' : 'stay'}`, () => {
    const p = pod([web], { restartPolicy: t.policy });
    const plan = planPod({
      pod: p,
      containers: [exited(p, web, 2, t.code, '2024-01-01T00:00:30.000Z')],
      now: T0,
      backoff: new Map(),
      unhealthy: new Map(),
      backoffConfig: cfg,
    });
    // Finished 30 s before now, first failure backoff 10 s: restart is due.
    assert.equal(kinds(plan.actions), t.restart ? ['start:web#3'] : []);
  });
}

test('crash loop: wait while in backoff, message as kubelet', () => {
  const p = pod([web]);
  const prev: BackoffEntry = { failureKey: 'old', failedAt: T0 - 20_000, delayMs: 10_000 };
  const ex = exited(p, web, 1, 1, new Date(T0 - 1000).toISOString());
  const plan = planPod({
    pod: p,
    containers: [ex],
    now: T0,
    backoff: new Map([['web', prev]]),
    unhealthy: new Map(),
    backoffConfig: cfg,
  });
  assert.equal(kinds(plan.actions), ['wait:web']);
  const w = plan.actions[0] as Extract<Action, { type: 'wait' }>;
  assert.is(w.message, 'back-off 20s restarting failed container=web pod=p_ns(u1)');
  assert.is(w.until, T0 - 1000 + 20_000);
  assert.is(plan.backoff.get('web')?.failureKey, ex.id);
});

test('stopped for a spec change: the new spec starts at once, whatever the crash backoff', () => {
  const p = pod([{ ...web, image: 'img:2' }]);
  const prev: BackoffEntry = { failureKey: 'old', failedAt: T0 - 20_000, delayMs: 10_000 };
  // Killed by the SpecChanged step (exit 137) one second ago, under the old spec's hash.
  const ex = exited(p, web, 1, 137, new Date(T0 - 1000).toISOString());
  const plan = planPod({
    pod: p,
    containers: [ex],
    now: T0,
    backoff: new Map([['web', prev]]),
    unhealthy: new Map(),
    backoffConfig: cfg,
  });
  assert.equal(kinds(plan.actions), ['start:web#2']);
  assert.is(plan.backoff.has('web'), false);
});

test('old instances removed, latest and previous kept', () => {
  const p = pod([web]);
  const cs = [
    exited(p, web, 0, 1, '2024-01-01T00:00:01Z'),
    exited(p, web, 1, 1, '2024-01-01T00:00:02Z'),
    exited(p, web, 2, 1, '2024-01-01T00:00:03Z'),
    rc(p, web, 3),
  ];
  const plan = planPod({
    pod: p,
    containers: cs,
    now: T0,
    backoff: new Map(),
    unhealthy: new Map(),
    backoffConfig: cfg,
  });
  assert.equal(
    plan.actions.map((a) => (a.type === 'remove' ? a.id : a.type)),
    [cs[1].id, cs[0].id],
  );
});

test('duplicate running instance killed', () => {
  const p = pod([web]);
  const cs = [rc(p, web, 0), rc(p, web, 1)];
  const plan = planPod({
    pod: p,
    containers: cs,
    now: T0,
    backoff: new Map(),
    unhealthy: new Map(),
    backoffConfig: cfg,
  });
  assert.equal(kinds(plan.actions), ['kill:Duplicate']);
  assert.is((plan.actions[0] as { id: string }).id, cs[0].id);
});

test('created but never started: start it', () => {
  const p = pod([web]);
  const plan = planPod({
    pod: p,
    containers: [rc(p, web, 0, { state: 'created', startedAt: undefined })],
    now: T0,
    backoff: new Map(),
    unhealthy: new Map(),
    backoffConfig: cfg,
  });
  assert.equal(kinds(plan.actions), ['startExisting']);
});

test('termination: kill running, remove all', () => {
  const p = pod([web, { name: 'side', image: 'img:1' }]);
  const cs = [rc(p, web, 0), exited(p, { name: 'side', image: 'img:1' }, 0, 0, '2024-01-01T00:00:05Z')];
  const { kills, removes } = planTermination(cs, 7);
  assert.equal(
    kills.map((a) => (a.type === 'kill' ? [a.id, a.graceSeconds] : [])),
    [[cs[0].id, 7]],
  );
  assert.is(removes.length, 2);
});

test.run();
