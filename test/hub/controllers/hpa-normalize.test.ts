// The HPA's stabilization and rate limits (upstream horizontal.go's normalizeDesiredReplicas and
// normalizeDesiredReplicasWithBehaviors), with a moved clock. Table-driven where it fits.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type BehaviorArgs,
  limitWithBehavior,
  limitWithRules,
  recordScaleEvent,
  ScaleHistory,
  stabilize,
  stabilizeWithBehavior,
} from '../../../hub/controllers/hpa/normalize.js';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP } from '../../../hub/api/resources/horizontalpodautoscalers.js';

const T0 = Date.parse('2026-12-02T12:00:00Z');
const s = (n: number) => T0 + n * 1000;

const rules: { current: number; desired: number; min: number; max: number; want: number; reason: string }[] =
  [
    { current: 3, desired: 10, min: 1, max: 10, want: 6, reason: 'ScaleUpLimit' },
    { current: 1, desired: 10, min: 1, max: 3, want: 3, reason: 'TooManyReplicas' },
    { current: 1, desired: 3, min: 1, max: 10, want: 3, reason: 'DesiredWithinRange' },
    { current: 1, desired: 9, min: 1, max: 10, want: 4, reason: 'ScaleUpLimit' },
    { current: 5, desired: 0, min: 2, max: 10, want: 2, reason: 'TooFewReplicas' },
  ];
for (const c of rules)
  test(`limitWithRules ${c.current}->${c.desired} in [${c.min},${c.max}]`, () => {
    const r = limitWithRules(c.current, c.desired, c.min, c.max);
    assert.equal({ replicas: r.replicas, reason: r.reason }, { replicas: c.want, reason: c.reason });
  });

test('stabilize: the highest recommendation of the scale-down window wins, older ones expire', () => {
  const h = new ScaleHistory();
  const window = 300_000;
  assert.is(stabilize(h, 'k', 5, window, s(0)).replicas, 5);
  const held = stabilize(h, 'k', 3, window, s(60));
  assert.equal(
    { replicas: held.replicas, reason: held.reason },
    { replicas: 5, reason: 'ScaleDownStabilized' },
  );
  // At 340 s the 5 is older than the window; the 3 of 60 s is still inside it.
  const later = stabilize(h, 'k', 2, window, s(340));
  assert.equal(
    { replicas: later.replicas, reason: later.reason },
    { replicas: 3, reason: 'ScaleDownStabilized' },
  );
  const free = stabilize(h, 'k', 2, window, s(700));
  assert.equal({ replicas: free.replicas, reason: free.reason }, { replicas: 2, reason: 'ReadyForNewScale' });
});

const args = (over: Partial<BehaviorArgs>): BehaviorArgs => ({
  key: 'k',
  current: 2,
  desired: 2,
  min: 1,
  max: 20,
  scaleUp: { ...DEFAULT_SCALE_UP },
  scaleDown: { ...DEFAULT_SCALE_DOWN, stabilizationWindowSeconds: 30 },
  ...over,
});

test('stabilizeWithBehavior: a scale-down waits for its window, a scale-up with window 0 does not', () => {
  const h = new ScaleHistory();
  assert.is(stabilizeWithBehavior(h, args({ current: 4, desired: 4 }), s(0)).replicas, 4);
  const held = stabilizeWithBehavior(h, args({ current: 4, desired: 1 }), s(10));
  assert.equal(
    { replicas: held.replicas, reason: held.reason },
    { replicas: 4, reason: 'ScaleDownStabilized' },
  );
  // 31 s after the 4 was recommended it has left the 30 s window.
  assert.is(stabilizeWithBehavior(h, args({ current: 4, desired: 1 }), s(31)).replicas, 1);
  assert.is(stabilizeWithBehavior(h, args({ current: 1, desired: 6 }), s(32)).replicas, 6);
});

test('stabilizeWithBehavior: a scale-up window takes the lowest recent recommendation', () => {
  const h = new ScaleHistory();
  const up = { ...DEFAULT_SCALE_UP, stabilizationWindowSeconds: 60 };
  stabilizeWithBehavior(h, args({ current: 2, desired: 2, scaleUp: up }), s(0));
  assert.is(stabilizeWithBehavior(h, args({ current: 2, desired: 6, scaleUp: up }), s(10)).replicas, 2);
  assert.is(stabilizeWithBehavior(h, args({ current: 2, desired: 6, scaleUp: up }), s(61)).replicas, 6);
});

test('limitWithBehavior: default scale-up policies (4 pods or 100% per 15 s, the larger) and their periods', () => {
  const h = new ScaleHistory();
  const a = args({ current: 3, desired: 20 });
  const first = limitWithBehavior(h, a, s(0));
  assert.equal({ replicas: first.replicas, reason: first.reason }, { replicas: 7, reason: 'ScaleUpLimit' });
  recordScaleEvent(h, 'k', { scaleUp: a.scaleUp, scaleDown: a.scaleDown }, 3, 7, s(0));
  // Within the 15 s period the 4 added count: the period started at 3, so 7 is the most.
  assert.is(limitWithBehavior(h, { ...a, current: 7 }, s(5)).replicas, 7);
  // After the period the limit is taken from 7 again.
  assert.is(limitWithBehavior(h, { ...a, current: 7 }, s(16)).replicas, 14);
  const capped = limitWithBehavior(h, { ...a, current: 14, max: 16 }, s(40));
  assert.equal(
    { replicas: capped.replicas, reason: capped.reason },
    { replicas: 16, reason: 'TooManyReplicas' },
  );
});

test('limitWithBehavior: a Pods scale-down policy removes at most its value per period; Disabled holds', () => {
  const h = new ScaleHistory();
  const down = {
    selectPolicy: 'Max' as const,
    policies: [{ type: 'Pods' as const, value: 1, periodSeconds: 60 }],
  };
  const a = args({ current: 5, desired: 1, scaleDown: down });
  const r = limitWithBehavior(h, a, s(0));
  assert.equal({ replicas: r.replicas, reason: r.reason }, { replicas: 4, reason: 'ScaleDownLimit' });
  recordScaleEvent(h, 'k', { scaleUp: a.scaleUp, scaleDown: down }, 5, 4, s(0));
  assert.is(limitWithBehavior(h, { ...a, current: 4 }, s(30)).replicas, 4);
  assert.is(limitWithBehavior(h, { ...a, current: 4 }, s(61)).replicas, 3);
  const off = limitWithBehavior(h, { ...a, scaleDown: { selectPolicy: 'Disabled' } }, s(200));
  assert.is(off.replicas, 5);
  const tooFew = limitWithBehavior(new ScaleHistory(), args({ current: 5, desired: 1, min: 3 }), s(0));
  assert.equal(
    { replicas: tooFew.replicas, reason: tooFew.reason },
    { replicas: 3, reason: 'TooFewReplicas' },
  );
});

test.run();
