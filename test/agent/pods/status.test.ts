import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ContainerView, computePodStatus, podPhase, qosClass } from '../../../agent/pods/status.js';
import type { Container, ContainerStatus, Pod } from '../../../shared/api/types.js';
import { exited, pod, rc } from './fixtures.js';

const web: Container = { name: 'web', image: 'img:1' };
const NOW = Date.parse('2024-01-01T00:10:00.000Z');

function view(over: Partial<ContainerView>): ContainerView {
  return { spec: web, ready: false, started: false, ...over };
}

test('running and ready: Running, Ready=True, podIP, ids', () => {
  const p = pod([web]);
  const r = rc(p, web, 2, { ipAddress: '172.17.0.5' });
  const s = computePodStatus({
    pod: p,
    containers: [view({ latest: r, ready: true, started: true })],
    hostIP: '10.0.0.1',
    now: NOW,
  });
  assert.is(s.phase, 'Running');
  assert.is(s.podIP, '172.17.0.5');
  assert.is(s.hostIP, '10.0.0.1');
  assert.is(s.startTime, new Date(NOW).toISOString());
  const cs = s.containerStatuses?.[0];
  assert.is(cs?.restartCount, 2);
  assert.is(cs?.containerID, `docker://${r.id}`);
  assert.ok(cs?.state?.running);
  assert.is(cs?.ready, true);
  assert.equal(
    s.conditions?.map((c) => [c.type, c.status]),
    [
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ],
  );
});

test('lastTransitionTime kept while the condition holds, moved on change', () => {
  const p = pod([web]);
  const r = rc(p, web, 0);
  const a = computePodStatus({ pod: p, containers: [view({ latest: r, ready: false })], now: NOW });
  const b = computePodStatus({
    pod: p,
    containers: [view({ latest: r, ready: false })],
    previous: a,
    now: NOW + 5000,
  });
  const c = computePodStatus({
    pod: p,
    containers: [view({ latest: r, ready: true })],
    previous: b,
    now: NOW + 9000,
  });
  const ready = (s: typeof a) => s.conditions?.find((x) => x.type === 'Ready');
  assert.is(ready(b)?.lastTransitionTime, ready(a)?.lastTransitionTime);
  assert.is(ready(b)?.reason, 'ContainersNotReady');
  assert.is(ready(c)?.lastTransitionTime, new Date(NOW + 9000).toISOString());
  assert.is(c.startTime, a.startTime);
});

test('crash loop: waiting CrashLoopBackOff with lastState terminated, phase Running', () => {
  const p = pod([web]);
  const ex = exited(p, web, 3, 1, '2024-01-01T00:09:59.000Z');
  const s = computePodStatus({
    pod: p,
    containers: [view({ latest: ex, waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } })],
    now: NOW,
  });
  const cs = s.containerStatuses?.[0] as ContainerStatus;
  assert.is(cs.state?.waiting?.reason, 'CrashLoopBackOff');
  assert.is(cs.lastState?.terminated?.exitCode, 1);
  assert.is(cs.lastState?.terminated?.reason, 'Error');
  assert.is(cs.restartCount, 3);
  assert.is(s.phase, 'Running');
});

test('image pull failure before any run: Pending', () => {
  const p = pod([web]);
  const s = computePodStatus({
    pod: p,
    containers: [view({ waiting: { reason: 'ErrImagePull', message: 'nope' } })],
    now: NOW,
  });
  assert.is(s.phase, 'Pending');
  assert.equal(s.containerStatuses?.[0].state, { waiting: { reason: 'ErrImagePull', message: 'nope' } });
});

function cs(state: ContainerStatus['state'], lastState: ContainerStatus['lastState'] = {}): ContainerStatus {
  return { name: 'c', state, lastState, ready: false, restartCount: 0, image: '', imageID: '' };
}
const run = cs({ running: {} });
const ok = cs({ terminated: { exitCode: 0 } });
const bad = cs({ terminated: { exitCode: 2 } });
const creating = cs({ waiting: { reason: 'ContainerCreating' } });
const looping = cs({ waiting: { reason: 'CrashLoopBackOff' } }, { terminated: { exitCode: 1 } });

const phases: {
  name: string;
  policy: Pod['spec']['restartPolicy'];
  statuses: ContainerStatus[];
  terminal?: boolean;
  want: string;
}[] = [
  { name: 'creating', policy: 'Always', statuses: [creating], want: 'Pending' },
  { name: 'one running one creating', policy: 'Always', statuses: [run, creating], want: 'Pending' },
  { name: 'running', policy: 'Always', statuses: [run], want: 'Running' },
  { name: 'crash looping', policy: 'Always', statuses: [looping], want: 'Running' },
  { name: 'Always all exited', policy: 'Always', statuses: [ok], want: 'Running' },
  { name: 'Never success', policy: 'Never', statuses: [ok], want: 'Succeeded' },
  { name: 'Never failure', policy: 'Never', statuses: [ok, bad], want: 'Failed' },
  { name: 'OnFailure success', policy: 'OnFailure', statuses: [ok], want: 'Succeeded' },
  { name: 'OnFailure failure restarting', policy: 'OnFailure', statuses: [bad], want: 'Running' },
  { name: 'terminal killed', policy: 'Always', statuses: [bad], terminal: true, want: 'Failed' },
  { name: 'terminal clean', policy: 'Always', statuses: [ok], terminal: true, want: 'Succeeded' },
];
for (const t of phases) {
  test(`phase: ${t.name}`, () => {
    assert.is(podPhase(pod([web], { restartPolicy: t.policy }), t.statuses, t.terminal), t.want);
  });
}

test('Succeeded pod: Ready False with PodCompleted', () => {
  const p = pod([web], { restartPolicy: 'Never' });
  const s = computePodStatus({
    pod: p,
    containers: [view({ latest: exited(p, web, 0, 0, '2024-01-01T00:09:00Z') })],
    now: NOW,
  });
  assert.is(s.phase, 'Succeeded');
  assert.is(s.containerStatuses?.[0].state?.terminated?.reason, 'Completed');
  assert.is(s.conditions?.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
});

test('qosClass', () => {
  assert.is(qosClass(pod([web])), 'BestEffort');
  assert.is(qosClass(pod([{ ...web, resources: { limits: { cpu: '1', memory: '1Gi' } } }])), 'Guaranteed');
  assert.is(qosClass(pod([{ ...web, resources: { requests: { cpu: '100m' } } }])), 'Burstable');
});

test.run();
