import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as plugin from '../../../../hub/scheduler/plugins/least-allocated.js';
import type { Node, Pod } from '../../../../shared/api/types.js';
import { ctxFor, info, node, pod, snapshotOf } from '../fixtures.js';

const cases: { name: string; node: Node; existing?: Pod[]; pod: Pod; want: number }[] = [
  {
    name: 'half used after placing: cpu 50, memory 50',
    node: node({ name: 'n', cpu: '4', memory: '8Gi' }),
    existing: [pod({ name: 'e', cpu: '1', memory: '2Gi', nodeName: 'n' })],
    pod: pod({ name: 'p', cpu: '1', memory: '2Gi' }),
    want: 50,
  },
  {
    // cpu floor(2000*100/3000)=66, memory floor(9*100/10)=90, mean floor(156/2)=78
    name: 'integer arithmetic per resource, then the mean',
    node: node({ name: 'n', cpu: '3', memory: '10Gi' }),
    pod: pod({ name: 'p', cpu: '1', memory: '1Gi' }),
    want: 78,
  },
  {
    // non-zero defaults 100m / 200Mi: cpu 90, memory floor(800*100/1000)=80 -> 85
    name: 'pod without requests counts as 100m / 200Mi',
    node: node({ name: 'n', cpu: '1', memory: '1000Mi' }),
    pod: pod({ name: 'p' }),
    want: 85,
  },
  {
    name: 'over allocatable scores 0 for that resource',
    node: node({ name: 'n', cpu: '1', memory: '1000Mi' }),
    pod: pod({ name: 'p', cpu: '2', memory: '500Mi' }),
    want: 25,
  },
  {
    name: 'nothing allocatable',
    node: node({ name: 'n', cpu: '0', memory: '0' }),
    pod: pod({ name: 'p' }),
    want: 0,
  },
];

for (const c of cases) {
  test(`LeastAllocated score: ${c.name}`, () => {
    const snap = snapshotOf([c.node], c.existing ?? []);
    assert.is(plugin.score(ctxFor(c.pod, snap), c.pod, info(snap, 'n')), c.want);
  });
}

test('leastRequestedScore', () => {
  assert.is(plugin.leastRequestedScore(0, 1000), 100);
  assert.is(plugin.leastRequestedScore(1, 3), 66);
  assert.is(plugin.leastRequestedScore(1000, 1000), 0);
  assert.is(plugin.leastRequestedScore(1001, 1000), 0);
  assert.is(plugin.leastRequestedScore(1, 0), 0);
});

test.run();
