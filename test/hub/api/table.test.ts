import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node, Pod } from '../../../shared/api/types.js';
import { humanDuration } from '../../../hub/api/table.js';
import { podStatusText } from '../../../hub/api/resources/pod-table.js';
import { nodeRoles, nodeStatusText } from '../../../hub/api/resources/nodes.js';
import { defaultPullPolicy } from '../../../hub/api/resources/pod-validation.js';

const durations: [number, string][] = [
  [5, '5s'],
  [119, '119s'],
  [200, '3m20s'],
  [600, '10m'],
  [3 * 3600 + 600, '3h10m'],
  [10 * 3600, '10h'],
  [3 * 86400 + 3600, '3d1h'],
  [400 * 86400, '400d'],
  [3 * 365 * 86400, '3y'],
];
for (const [s, want] of durations) test(`humanDuration ${s}`, () => assert.is(humanDuration(s), want));

function pod(status: Pod['status'], extra: Partial<Pod['metadata']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', ...extra },
    spec: { containers: [{ name: 'a' }, { name: 'b' }] },
    status,
  };
}
const podCases: [string, Pod, string, string][] = [
  ['pending', pod({ phase: 'Pending' }), 'Pending', '0/2'],
  [
    'running ready',
    pod({
      phase: 'Running',
      containerStatuses: [
        { name: 'a', ready: true, restartCount: 1, image: '', imageID: '', state: { running: {} } },
        { name: 'b', ready: true, restartCount: 2, image: '', imageID: '', state: { running: {} } },
      ],
    }),
    'Running',
    '2/2',
  ],
  [
    'crashloop',
    pod({
      phase: 'Running',
      containerStatuses: [
        {
          name: 'a',
          ready: false,
          restartCount: 4,
          image: '',
          imageID: '',
          state: { waiting: { reason: 'CrashLoopBackOff' } },
        },
        { name: 'b', ready: true, restartCount: 0, image: '', imageID: '', state: { running: {} } },
      ],
    }),
    'CrashLoopBackOff',
    '1/2',
  ],
  [
    'exit code',
    pod({
      phase: 'Failed',
      containerStatuses: [
        {
          name: 'a',
          ready: false,
          restartCount: 0,
          image: '',
          imageID: '',
          state: { terminated: { exitCode: 3 } },
        },
      ],
    }),
    'ExitCode:3',
    '0/2',
  ],
  [
    'terminating',
    pod({ phase: 'Running' }, { deletionTimestamp: '2026-01-01T00:00:00Z' }),
    'Terminating',
    '0/2',
  ],
  ['evicted reason', pod({ phase: 'Failed', reason: 'Evicted' }), 'Evicted', '0/2'],
];
for (const [name, p, status, ready] of podCases) {
  test(`pod status ${name}`, () => {
    const s = podStatusText(p);
    assert.is(s.reason, status);
    assert.is(`${s.ready}/${s.total}`, ready);
  });
}

function node(
  ready: 'True' | 'False' | 'Unknown' | undefined,
  unschedulable = false,
  labels: Record<string, string> = {},
): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n', labels },
    spec: { unschedulable },
    status: { conditions: ready ? [{ type: 'Ready', status: ready }] : [] },
  };
}
test('node STATUS column', () => {
  assert.is(nodeStatusText(node('True')), 'Ready');
  assert.is(nodeStatusText(node('False')), 'NotReady');
  assert.is(nodeStatusText(node('Unknown')), 'NotReady');
  assert.is(nodeStatusText(node(undefined)), 'Unknown');
  assert.is(nodeStatusText(node('True', true)), 'Ready,SchedulingDisabled');
});
test('node ROLES column', () => {
  assert.is(nodeRoles(node('True')), '<none>');
  assert.is(
    nodeRoles(
      node('True', false, { 'node-role.kubernetes.io/edge': '', 'node-role.kubernetes.io/worker': '' }),
    ),
    'edge,worker',
  );
});
test('image pull policy default', () => {
  assert.is(defaultPullPolicy('nginx'), 'Always');
  assert.is(defaultPullPolicy('nginx:latest'), 'Always');
  assert.is(defaultPullPolicy('nginx:1.25'), 'IfNotPresent');
  assert.is(defaultPullPolicy('localhost:5000/app'), 'Always');
  assert.is(defaultPullPolicy('localhost:5000/app:v1'), 'IfNotPresent');
  assert.is(defaultPullPolicy('app@sha256:abc'), 'IfNotPresent');
});

test.run();
