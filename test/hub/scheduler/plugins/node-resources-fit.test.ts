import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as plugin from '../../../../hub/scheduler/plugins/node-resources-fit.js';
import { createPodInfo } from '../../../../hub/scheduler/resources.js';
import type { Pod } from '../../../../shared/api/types.js';
import { ctxFor, info, node, pod, snapshotOf } from '../fixtures.js';

// Node: 2 cpu, 4Gi, 3 pods; existing pods use 1500m and 3Gi over 2 pods.
const existing = [
  pod({ name: 'e1', cpu: '1', memory: '2Gi', nodeName: 'n' }),
  pod({ name: 'e2', cpu: '500m', memory: '1Gi', nodeName: 'n' }),
];

const cases: { name: string; pod: Pod; reasons: string[]; extraPods?: Pod[] }[] = [
  { name: 'fits exactly', pod: pod({ name: 'p', cpu: '500m', memory: '1Gi' }), reasons: [] },
  { name: 'no requests', pod: pod({ name: 'p' }), reasons: [] },
  { name: 'cpu short by 1m', pod: pod({ name: 'p', cpu: '501m' }), reasons: ['Insufficient cpu'] },
  { name: 'memory short', pod: pod({ name: 'p', memory: '1025Mi' }), reasons: ['Insufficient memory'] },
  {
    name: 'both short',
    pod: pod({ name: 'p', cpu: '1', memory: '2Gi' }),
    reasons: ['Insufficient cpu', 'Insufficient memory'],
  },
  {
    name: 'pod count full',
    pod: pod({ name: 'p' }),
    extraPods: [pod({ name: 'e3', nodeName: 'n' })],
    reasons: ['Too many pods'],
  },
  {
    name: 'limits count as requests when requests unset',
    pod: pod({ name: 'p', containers: [{ name: 'c', resources: { limits: { cpu: '600m' } } }] }),
    reasons: ['Insufficient cpu'],
  },
  {
    name: 'init container larger than the sum of containers',
    pod: pod({
      name: 'p',
      containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }],
      initContainers: [{ name: 'i', resources: { requests: { cpu: '700m' } } }],
    }),
    reasons: ['Insufficient cpu'],
  },
];

for (const c of cases) {
  test(`NodeResourcesFit filter: ${c.name}`, () => {
    const snap = snapshotOf(
      [node({ name: 'n', cpu: '2', memory: '4Gi', pods: '3' })],
      [...existing, ...(c.extraPods ?? [])],
    );
    const s = plugin.filter(ctxFor(c.pod, snap), c.pod, info(snap, 'n'));
    assert.equal(s.reasons, c.reasons);
    assert.is(s.code, c.reasons.length ? 'Unschedulable' : 'Success');
  });
}

test('pod requests: containers summed, max with init containers, per resource', () => {
  const p = pod({
    name: 'p',
    containers: [
      { name: 'a', resources: { requests: { cpu: '200m', memory: '100Mi' } } },
      { name: 'b', resources: { requests: { cpu: '300m', memory: '100Mi' } } },
    ],
    initContainers: [{ name: 'i', resources: { requests: { cpu: '100m', memory: '1Gi' } } }],
  });
  const pi = createPodInfo(p);
  assert.equal(pi.requests, { milliCpu: 500, memory: 1024 ** 3, pods: 1 });
});

test('non-zero requests: unset cpu/memory count as 100m / 200Mi for scoring only', () => {
  const pi = createPodInfo(pod({ name: 'p' }));
  assert.equal(pi.requests, { milliCpu: 0, memory: 0, pods: 1 });
  assert.equal(pi.nonZeroRequests, { milliCpu: 100, memory: 200 * 1024 * 1024, pods: 1 });
});

test.run();
