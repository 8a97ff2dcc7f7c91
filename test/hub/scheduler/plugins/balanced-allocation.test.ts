import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as plugin from '../../../../hub/scheduler/plugins/balanced-allocation.js';
import type { Node, Pod } from '../../../../shared/api/types.js';
import { ctxFor, info, node, pod, snapshotOf } from '../fixtures.js';

const cases: { name: string; node: Node; existing?: Pod[]; pod: Pod; want: number }[] = [
  {
    // cpu 2/4 = 0.5, memory 2Gi/8Gi = 0.25, std = 0.125, score floor(87.5) = 87
    name: 'unbalanced after placing',
    node: node({ name: 'n', cpu: '4', memory: '8Gi' }),
    existing: [pod({ name: 'e', cpu: '1', memory: '1Gi', nodeName: 'n' })],
    pod: pod({ name: 'p', cpu: '1', memory: '1Gi' }),
    want: 87,
  },
  {
    name: 'perfectly balanced',
    node: node({ name: 'n', cpu: '4', memory: '8Gi' }),
    pod: pod({ name: 'p', cpu: '2', memory: '4Gi' }),
    want: 100,
  },
  {
    // cpu fraction capped at 1, memory 0 -> std 0.5 -> 50
    name: 'fraction capped at 1',
    node: node({ name: 'n', cpu: '1', memory: '8Gi' }),
    pod: pod({ name: 'p', cpu: '3' }),
    want: 50,
  },
  {
    // cpu 0.1, memory 0.7 -> std 0.3 -> floor(70.00000000000001)=70 (float noise must not matter)
    name: 'cpu light, memory heavy',
    node: node({ name: 'n', cpu: '10', memory: '10Gi' }),
    pod: pod({ name: 'p', cpu: '1', memory: '7Gi' }),
    want: 70,
  },
  {
    name: 'best-effort pod (no requests) scores 0',
    node: node({ name: 'n' }),
    pod: pod({ name: 'p' }),
    want: 0,
  },
];

for (const c of cases) {
  test(`BalancedAllocation score: ${c.name}`, () => {
    const snap = snapshotOf([c.node], c.existing ?? []);
    assert.is(plugin.score(ctxFor(c.pod, snap), c.pod, info(snap, 'n')), c.want);
  });
}

test.run();
