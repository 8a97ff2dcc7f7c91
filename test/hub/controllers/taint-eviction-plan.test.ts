// Eviction timing (pure): table of tolerations x taints x autonomy; and the node-health taint
// set the node lifecycle controller writes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAutonomy, planEviction } from '../../../hub/controllers/eviction-plan.js';
import { withHealthTaints } from '../../../hub/controllers/node-lifecycle.js';
import type { Taint, Toleration } from '../../../shared/api/types.js';

const UR = 'node.kubernetes.io/unreachable';
const NR = 'node.kubernetes.io/not-ready';
const T0 = 1_000_000;
const ur: Taint = { key: UR, effect: 'NoExecute' };
const custom: Taint = { key: 'example.com/x', effect: 'NoExecute' };
const tol = (key: string, secs?: number): Toleration => ({
  key,
  operator: 'Exists',
  effect: 'NoExecute',
  ...(secs !== undefined ? { tolerationSeconds: secs } : {}),
});

const cases: {
  name: string;
  tolerations: Toleration[];
  taints: Taint[];
  autonomy?: number;
  at?: number;
  suppressed?: boolean;
}[] = [
  { name: 'no taints', tolerations: [], taints: [] },
  { name: 'NoSchedule ignored', tolerations: [], taints: [{ key: UR, effect: 'NoSchedule' }] },
  { name: 'untolerated -> now', tolerations: [], taints: [ur], at: T0 },
  { name: 'tolerationSeconds', tolerations: [tol(UR, 300)], taints: [ur], at: T0 + 300_000 },
  { name: 'smallest of matching', tolerations: [tol(UR, 300), tol(UR, 5)], taints: [ur], at: T0 + 5000 },
  { name: 'negative -> now', tolerations: [tol(UR, -3)], taints: [ur], at: T0 },
  { name: 'forever', tolerations: [tol(UR)], taints: [ur] },
  { name: 'earliest over taints', tolerations: [tol(UR, 300)], taints: [ur, custom], at: T0 },
  { name: 'autonomy 0 keeps', tolerations: [tol(UR, 300)], taints: [ur], autonomy: 0, suppressed: true },
  { name: 'autonomy 0 even untolerated', tolerations: [], taints: [ur], autonomy: 0, suppressed: true },
  { name: 'autonomy N replaces', tolerations: [tol(UR, 300)], taints: [ur], autonomy: 60, at: T0 + 60_000 },
  { name: 'autonomy keeps forever', tolerations: [tol(UR)], taints: [ur], autonomy: 60 },
  { name: 'autonomy not for other taints', tolerations: [], taints: [custom], autonomy: 0, at: T0 },
  {
    name: 'not-ready too',
    tolerations: [],
    taints: [{ key: NR, effect: 'NoExecute' }],
    autonomy: 10,
    at: T0 + 10_000,
  },
];

for (const c of cases) {
  test(`plan: ${c.name}`, () => {
    const p = planEviction(c.tolerations, c.taints, c.autonomy, () => T0);
    assert.is(p.evictAtMs, c.at);
    assert.is(p.suppressedBy !== undefined, c.suppressed ?? false);
  });
}

test('parseAutonomy', () => {
  assert.is(parseAutonomy(undefined), undefined);
  assert.is(parseAutonomy({}), undefined);
  assert.is(parseAutonomy({ 'drover.io/autonomy-seconds': '0' }), 0);
  assert.is(parseAutonomy({ 'drover.io/autonomy-seconds': '3600' }), 3600);
  assert.throws(() => parseAutonomy({ 'drover.io/autonomy-seconds': '-1' }), /whole number/);
  assert.throws(() => parseAutonomy({ 'drover.io/autonomy-seconds': '1h' }), /whole number/);
});

test('withHealthTaints: both effects, keeps timeAdded and other taints, no-op when equal', () => {
  const other: Taint = { key: 'dedicated', value: 'x', effect: 'NoSchedule' };
  const a = withHealthTaints([other], UR, 0);
  assert.equal(
    a?.map((t) => `${t.key}:${t.effect}`),
    ['dedicated:NoSchedule', `${UR}:NoSchedule`, `${UR}:NoExecute`],
  );
  assert.is(withHealthTaints(a ?? [], UR, 5000), undefined, 'unchanged');
  const swapped = withHealthTaints(a ?? [], NR, 5000);
  assert.equal(
    swapped?.map((t) => `${t.key}:${t.effect}`),
    ['dedicated:NoSchedule', `${NR}:NoSchedule`, `${NR}:NoExecute`],
  );
  assert.equal(withHealthTaints(swapped ?? [], undefined, 0), [other]);
});

test.run();
