// NodeInfo's values derived from the node (allocatable, readiness, cordon, taints, labels,
// images) are computed once per node update; an update must refresh every one of them, or
// the scheduler would keep deciding on the old node.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNodeInfo } from '../../../hub/scheduler/node-info.js';
import { createSchedulerCore } from '../../../hub/scheduler/schedule-one.js';
import { FitError } from '../../../hub/scheduler/fit-error.js';
import type { Node, Taint } from '../../../shared/api/types.js';
import { info, node, pod, snapshotOf } from './fixtures.js';

const noSchedule: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
const noExecute: Taint = { key: 'gone', effect: 'NoExecute' };
const prefer: Taint = { key: 'soft', value: 'x', effect: 'PreferNoSchedule' };

test('a node with the well-known labels and no images shares them (no copy per node)', () => {
  const labels = {
    'kubernetes.io/hostname': 'b1',
    'kubernetes.io/arch': 'arm64',
    'kubernetes.io/os': 'linux',
    a: '1',
  };
  const board: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'b1', labels },
    spec: {},
    status: {},
  };
  const bare: Node = {
    ...board,
    metadata: { name: 'b2', labels: { a: '1' } },
    status: { nodeInfo: { architecture: 'amd64', operatingSystem: 'linux' } } as Node['status'],
  };
  const one = createNodeInfo(board);
  const two = createNodeInfo(bare);
  assert.is(one.labels, labels, "the node's own labels object");
  assert.equal(two.labels, {
    a: '1',
    'kubernetes.io/hostname': 'b2',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/os': 'linux',
  });
  assert.equal(bare.metadata.labels, { a: '1' }, "derived into a copy, not into the node's labels");
  assert.is(one.images.size, 0);
  assert.is(one.images, two.images, 'one empty image table for all');
});

test('derived values on creation', () => {
  const snap = snapshotOf([
    node({
      name: 'n',
      cpu: '2500m',
      memory: '1Gi',
      pods: '7',
      ready: 'True',
      unschedulable: true,
      taints: [prefer, noSchedule, noExecute],
      arch: 'arm64',
    }),
  ]);
  const n = info(snap, 'n');
  assert.equal(n.allocatable, { milliCpu: 2500, memory: 1024 ** 3, pods: 7 });
  assert.is(n.ready, true);
  assert.is(n.unschedulable, true);
  assert.equal(n.noScheduleTaints, [noSchedule, noExecute]);
  assert.equal(n.preferNoScheduleTaints, [prefer]);
  assert.is(n.labels['kubernetes.io/arch'], 'arm64');
});

const readyCases: { ready: 'True' | 'False' | 'Unknown' | 'absent'; want: boolean }[] = [
  { ready: 'True', want: true },
  { ready: 'False', want: false },
  { ready: 'Unknown', want: false },
  { ready: 'absent', want: false },
];
for (const c of readyCases) {
  test(`ready derived from the Ready condition: ${c.ready}`, () => {
    const snap = snapshotOf([node({ name: 'n', ready: c.ready })]);
    assert.is(info(snap, 'n').ready, c.want);
  });
}

test('a node update refreshes every derived value and keeps the pods', () => {
  const snap = snapshotOf(
    [node({ name: 'n', cpu: '1', memory: '1Gi', taints: [noSchedule] })],
    [pod({ name: 'p', cpu: '250m', memory: '256Mi', nodeName: 'n' })],
  );
  snap.upsertNode(
    node({
      name: 'n',
      cpu: '4',
      memory: '8Gi',
      pods: '20',
      ready: 'False',
      unschedulable: true,
      taints: [prefer],
      labels: { zone: 'b' },
      images: [{ names: ['nginx:1.25'], sizeBytes: 100 }],
    }),
  );
  const n = info(snap, 'n');
  assert.equal(n.allocatable, { milliCpu: 4000, memory: 8 * 1024 ** 3, pods: 20 });
  assert.is(n.ready, false);
  assert.is(n.unschedulable, true);
  assert.equal(n.noScheduleTaints, []);
  assert.equal(n.preferNoScheduleTaints, [prefer]);
  assert.is(n.labels.zone, 'b');
  assert.equal([...n.images.keys()], ['nginx:1.25']);
  assert.is(snap.imageNodeCount('nginx:1.25'), 1);
  // Pods and their sums survive the update.
  assert.equal([...n.pods.keys()], ['default/p']);
  assert.equal(n.requested, { milliCpu: 250, memory: 256 * 1024 ** 2, pods: 1 });
});

test('scheduling follows node updates (allocatable, readiness, cordon, taints)', () => {
  const snap = snapshotOf([node({ name: 'n', cpu: '1' })]);
  const core = createSchedulerCore();
  const big = pod({ name: 'big', cpu: '2' });
  assert.instance(core.scheduleOne(big, snap), FitError);
  snap.upsertNode(node({ name: 'n', cpu: '4' }));
  assert.equal(core.scheduleOne(big, snap), { node: 'n', evaluatedNodes: 1, feasibleNodes: 1 });

  const steps: { change: Parameters<typeof node>[0]; fits: boolean }[] = [
    { change: { name: 'n', cpu: '4', ready: 'False' }, fits: false },
    { change: { name: 'n', cpu: '4' }, fits: true },
    { change: { name: 'n', cpu: '4', unschedulable: true }, fits: false },
    { change: { name: 'n', cpu: '4' }, fits: true },
    { change: { name: 'n', cpu: '4', taints: [noExecute] }, fits: false },
    { change: { name: 'n', cpu: '4', taints: [prefer] }, fits: true },
  ];
  for (const s of steps) {
    snap.upsertNode(node(s.change));
    const r = core.scheduleOne(big, snap);
    assert.is(!(r instanceof Error), s.fits, JSON.stringify(s.change));
  }
});

test.run();
