// Init containers in the pod plan (kubelet's computeInitContainerActions) and in the status
// (Initialized, phase, PodInitializing), and the sandbox container left alone by the plan.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planPod } from '../../../agent/pods/actions.js';
import { computePodStatus } from '../../../agent/pods/status.js';
import type { Container, Pod } from '../../../shared/api/types.js';
import type { RuntimeContainer } from '../../../agent/runtime/runtime.js';
import { exited, kinds, pod, rc } from './fixtures.js';

const cfg = { initialMs: 10_000, maxMs: 300_000, resetAfterRunMs: 600_000 };
const app: Container = { name: 'app', image: 'img:1' };
const i1: Container = { name: 'i1', image: 'img:1' };
const i2: Container = { name: 'i2', image: 'img:1' };
const sandbox: Container = { name: 'POD', image: 'drover/pause:1' };
const T0 = Date.parse('2024-01-01T00:01:00.000Z');
const DONE = '2024-01-01T00:00:59.000Z';

const plan = (p: Pod, containers: RuntimeContainer[]) =>
  planPod({ pod: p, containers, now: T0, backoff: new Map(), unhealthy: new Map(), backoffConfig: cfg });

const withInits = (policy?: 'Always' | 'OnFailure' | 'Never') =>
  pod([app], { initContainers: [i1, i2], ...(policy ? { restartPolicy: policy } : {}) });

test('init containers run one at a time in order, then the app; the sandbox is never touched', () => {
  const p = withInits();
  const box = rc(p, sandbox, 0);
  const cases: [string, RuntimeContainer[], string[]][] = [
    ['nothing yet: the first init', [box], ['start:i1#0']],
    ['first running: wait for it', [box, rc(p, i1, 0)], []],
    ['first done: the second', [box, exited(p, i1, 0, 0, DONE)], ['start:i2#0']],
    ['both done: the app', [box, exited(p, i1, 0, 0, DONE), exited(p, i2, 0, 0, DONE)], ['start:app#0']],
    ['first failed just now: back-off', [box, exited(p, i1, 0, 1, DONE)], ['wait:i1']],
    ['app exists: inits are not rerun even if gone', [box, rc(p, app, 0)], []],
  ];
  for (const [what, containers, want] of cases) assert.equal(kinds(plan(p, containers).actions), want, what);
});

test('a failed init container: retried under Always and OnFailure, never under Never', () => {
  const old = '2024-01-01T00:00:00.000Z'; // past the 10 s back-off
  for (const [policy, want] of [
    ['Always', ['start:i1#1']],
    ['OnFailure', ['start:i1#1']],
    ['Never', []],
  ] as const) {
    const p = withInits(policy);
    assert.equal(kinds(plan(p, [exited(p, i1, 0, 1, old)]).actions), [...want], policy);
  }
});

test('status while initializing: Pending, Initialized False, the app PodInitializing; Failed under Never', () => {
  const p = withInits();
  const st = computePodStatus({
    pod: p,
    containers: [{ spec: app, waiting: { reason: 'PodInitializing' }, ready: false, started: false }],
    initContainers: [
      { spec: i1, latest: exited(p, i1, 0, 0, DONE), ready: false, started: false },
      { spec: i2, latest: rc(p, i2, 0), ready: false, started: true },
    ],
    now: T0,
  });
  assert.is(st.phase, 'Pending');
  const init = st.conditions?.find((c) => c.type === 'Initialized');
  assert.is(init?.status, 'False');
  assert.is(init?.message, 'containers with incomplete status: [i2]');
  assert.is(st.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
  assert.equal(
    st.initContainerStatuses?.map((s) => s.ready),
    [true, false],
  );

  const never = withInits('Never');
  const failed = computePodStatus({
    pod: never,
    containers: [{ spec: app, waiting: { reason: 'PodInitializing' }, ready: false, started: false }],
    initContainers: [{ spec: i1, latest: exited(never, i1, 0, 2, DONE), ready: false, started: false }],
    now: T0,
  });
  assert.is(failed.phase, 'Failed');
});

test('pod IP: the sandbox address; a hostNetwork pod has the node address', () => {
  const p = pod([app]);
  const view = { spec: app, latest: rc(p, app, 0), ready: true, started: true };
  assert.is(
    computePodStatus({ pod: p, containers: [view], podIP: '172.17.0.9', now: T0 }).podIP,
    '172.17.0.9',
  );
  const host = pod([app], { hostNetwork: true });
  assert.is(
    computePodStatus({ pod: host, containers: [view], hostIP: '10.0.0.5', now: T0 }).podIP,
    '10.0.0.5',
  );
});

test.run();
