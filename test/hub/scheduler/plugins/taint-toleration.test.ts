import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as plugin from '../../../../hub/scheduler/plugins/taint-toleration.js';
import type { Taint, Toleration } from '../../../../shared/api/types.js';
import { ctxFor, info, node, pod, snapshotOf } from '../fixtures.js';

const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' };
const dedicated: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoExecute' };
const soft: Taint = { key: 'soft', value: 'x', effect: 'PreferNoSchedule' };

const filterCases: { name: string; taints: Taint[]; tolerations?: Toleration[]; reason?: string }[] = [
  { name: 'no taints', taints: [] },
  { name: 'PreferNoSchedule does not filter', taints: [soft] },
  {
    name: 'NoSchedule without value',
    taints: [unreachable],
    reason: 'node(s) had untolerated taint {node.kubernetes.io/unreachable: }',
  },
  {
    name: 'NoExecute with value',
    taints: [dedicated],
    reason: 'node(s) had untolerated taint {dedicated: gpu}',
  },
  {
    name: 'Equal toleration matches value',
    taints: [dedicated],
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu' }],
  },
  {
    name: 'Equal toleration with another value',
    taints: [dedicated],
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }],
    reason: 'node(s) had untolerated taint {dedicated: gpu}',
  },
  {
    name: 'Exists toleration',
    taints: [unreachable],
    tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }],
  },
  {
    name: 'toleration effect must match',
    taints: [unreachable],
    tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }],
    reason: 'node(s) had untolerated taint {node.kubernetes.io/unreachable: }',
  },
  { name: 'tolerate everything', taints: [unreachable, dedicated], tolerations: [{ operator: 'Exists' }] },
  {
    name: 'first untolerated taint is reported',
    taints: [unreachable, dedicated],
    tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists' }],
    reason: 'node(s) had untolerated taint {dedicated: gpu}',
  },
];

for (const c of filterCases) {
  test(`TaintToleration filter: ${c.name}`, () => {
    const snap = snapshotOf([node({ name: 'n', taints: c.taints })]);
    const p = pod({ name: 'p', tolerations: c.tolerations });
    const s = plugin.filter(ctxFor(p, snap), p, info(snap, 'n'));
    if (!c.reason) assert.equal(s, { code: 'Success', reasons: [] });
    else assert.equal(s, { code: 'UnschedulableAndUnresolvable', reasons: [c.reason] });
  });
}

test('TaintToleration score: intolerable PreferNoSchedule taints counted, normalized in reverse', () => {
  const soft2: Taint = { key: 'soft2', effect: 'PreferNoSchedule' };
  const soft3: Taint = { key: 'soft3', effect: 'PreferNoSchedule' };
  const nodes = [
    node({ name: 'zero' }),
    node({ name: 'one', taints: [soft] }),
    node({ name: 'two', taints: [soft, soft2] }),
    node({ name: 'three', taints: [soft, soft2, soft3] }),
    node({ name: 'tolerated', taints: [soft3] }),
  ];
  const snap = snapshotOf(nodes);
  // Tolerations with effect NoSchedule do not count for PreferNoSchedule scoring.
  const p = pod({
    name: 'p',
    tolerations: [
      { key: 'soft3', operator: 'Exists', effect: 'PreferNoSchedule' },
      { key: 'soft2', operator: 'Exists', effect: 'NoSchedule' },
    ],
  });
  const ctx = ctxFor(p, snap);
  const raw = nodes.map((n) => plugin.score(ctx, p, info(snap, n.metadata.name!)));
  assert.equal(raw, [0, 1, 2, 2, 0]);
  plugin.normalizeScore(ctx, p, raw);
  // 100 - floor(100*raw/2)
  assert.equal(raw, [100, 50, 0, 0, 100]);
});

test('TaintToleration score: no such taints anywhere -> all 100', () => {
  const scores = [0, 0, 0];
  plugin.normalizeScore(ctxFor(pod({ name: 'p' }), snapshotOf([])), pod({ name: 'p' }), scores);
  assert.equal(scores, [100, 100, 100]);
});

test.run();
