// A Rollout's pace (spec.maxPerMinute), pure and table-driven: the token bucket of board starts
// (burst, refill, the wake for the next board, a pause that saves up no more than a burst, a
// clock stepping back), the rate met over a minute of reconciles spaced as the coalescing
// spaces them, and the planned waves' pace (a wave's own over the rollout's; the remainder
// wave has the rollout's).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  PACE_BURST_SECONDS,
  type PaceState,
  Paces,
  paceBurst,
  takeStarts,
} from '../../../hub/controllers/rollout/pace.js';
import { planWaves } from '../../../hub/controllers/rollout/plan.js';
import { WavePlans } from '../../../hub/controllers/rollout/plan-cache.js';

const T0 = 1_000_000;

test('burst: PACE_BURST_SECONDS of the rate, at least one board', () => {
  assert.is(PACE_BURST_SECONDS, 5);
  for (const [perMinute, burst] of [
    [1, 1],
    [11, 1],
    [12, 1],
    [60, 5],
    [600, 50],
    [2000, 166],
  ])
    assert.is(paceBurst(perMinute), burst, `${perMinute}/min`);
});

/** One call: at ms after T0, wanting boards; what it grants and when it wakes (ms after T0). */
interface Call {
  at: number;
  wanted: number;
  granted: number;
  wakeAt?: number;
}

const cases: { name: string; perMinute: number; calls: Call[] }[] = [
  {
    name: 'a new bucket is full: a burst at once, then one board a second',
    perMinute: 60,
    calls: [
      { at: 0, wanted: 10, granted: 5, wakeAt: 1000 },
      { at: 1000, wanted: 5, granted: 1, wakeAt: 2000 },
      { at: 1500, wanted: 4, granted: 0, wakeAt: 2000 },
      { at: 2000, wanted: 4, granted: 1, wakeAt: 3000 },
      { at: 4000, wanted: 3, granted: 2, wakeAt: 5000 },
      { at: 5000, wanted: 1, granted: 1 },
    ],
  },
  {
    name: 'fewer wanted than the bucket holds: all granted, no wake, the rest kept',
    perMinute: 60,
    calls: [
      { at: 0, wanted: 2, granted: 2 },
      { at: 0, wanted: 3, granted: 3 },
      { at: 0, wanted: 1, granted: 0, wakeAt: 1000 },
    ],
  },
  {
    name: 'nothing wanted (maxInFlight reached): nothing taken, the bucket fills to its burst',
    perMinute: 60,
    calls: [
      { at: 0, wanted: 5, granted: 5, wakeAt: undefined },
      { at: 3000, wanted: 0, granted: 0 },
      { at: 60_000, wanted: 9, granted: 5, wakeAt: 61_000 },
    ],
  },
  {
    name: 'paused ten minutes: the resume starts a burst, not ten minutes of boards',
    perMinute: 600,
    calls: [
      { at: 0, wanted: 100, granted: 50, wakeAt: 100 },
      { at: 600_000, wanted: 1000, granted: 50, wakeAt: 600_100 },
      { at: 601_000, wanted: 1000, granted: 10, wakeAt: 601_100 },
    ],
  },
  {
    name: '2000 a minute: 166 at once, then one every 30 ms',
    perMinute: 2000,
    calls: [
      { at: 0, wanted: 990, granted: 166, wakeAt: 30 },
      { at: 1000, wanted: 824, granted: 33, wakeAt: 1020 },
      { at: 2000, wanted: 791, granted: 33, wakeAt: 2010 },
    ],
  },
  {
    name: 'one a minute: the second board a minute after the first',
    perMinute: 1,
    calls: [
      { at: 0, wanted: 3, granted: 1, wakeAt: 60_000 },
      { at: 59_999, wanted: 2, granted: 0, wakeAt: 60_000 },
      { at: 60_000, wanted: 2, granted: 1, wakeAt: 120_000 },
    ],
  },
  {
    name: 'a clock that steps back adds nothing and takes nothing',
    perMinute: 60,
    calls: [
      { at: 10_000, wanted: 5, granted: 5 },
      { at: 5_000, wanted: 1, granted: 0, wakeAt: 11_000 },
      { at: 11_000, wanted: 1, granted: 1 },
    ],
  },
];

for (const c of cases)
  test(`pace: ${c.name}`, () => {
    let s: PaceState | undefined;
    for (const [i, call] of c.calls.entries()) {
      const g = takeStarts(s, c.perMinute, call.wanted, T0 + call.at);
      assert.is(g.granted, call.granted, `call ${i} granted`);
      assert.is(g.wakeAt === undefined ? undefined : g.wakeAt - T0, call.wakeAt, `call ${i} wakeAt`);
      s = g.state;
    }
  });

test('pace: the rate is met over a minute of reconciles 1.3 s apart (tokens between two are kept)', () => {
  for (const perMinute of [60, 600, 2000]) {
    let s: PaceState | undefined;
    let started = 0;
    for (let at = 0; at <= 60_000; at += 1300) {
      const g = takeStarts(s, perMinute, 1_000_000, T0 + at);
      started += g.granted;
      s = g.state;
    }
    // A burst, then the rate for the 59.8 s up to the last reconcile (floors lose under a board).
    const expected = paceBurst(perMinute) + (perMinute * 59_800) / 60_000;
    assert.ok(started <= expected && started >= expected - 1, `${perMinute}/min: ${started} of ${expected}`);
  }
});

test('paces: one bucket per rollout, forgotten with it', () => {
  const p = new Paces();
  assert.is(p.take('a', 60, 9, T0).granted, 5);
  assert.is(p.take('a', 60, 9, T0).granted, 0);
  assert.is(p.take('b', 60, 9, T0).granted, 5, "b's own bucket");
  p.forget('a');
  assert.is(p.take('a', 60, 9, T0).granted, 5, 'a new bucket after forget');
});

test("plan: a wave paces at its own maxPerMinute, else the rollout's; the remainder at the rollout's", () => {
  const fleet = Array.from({ length: 10 }, (_, i) => ({ name: `b${i}` }));
  const waves = [{ count: 1, maxPerMinute: 6 }, { count: 4 }];
  assert.equal(
    planWaves({ waves, maxPerMinute: 120 }, fleet).map((w) => [w.name, w.maxPerMinute]),
    [
      ['wave-1', 6],
      ['wave-2', 120],
      ['remainder', 120],
    ],
  );
  assert.equal(
    planWaves({ waves }, fleet).map((w) => w.maxPerMinute),
    [6, undefined, undefined],
    'unset: not paced',
  );
  // The kept plan is made again when only the pace changed.
  const plans = new WavePlans();
  const first = plans.plan('ro', { waves, maxPerMinute: 120 }, fleet);
  assert.is(plans.plan('ro', { waves, maxPerMinute: 120 }, fleet), first);
  assert.is(plans.plan('ro', { waves, maxPerMinute: 60 }, fleet)[1].maxPerMinute, 60);
});

test.run();
