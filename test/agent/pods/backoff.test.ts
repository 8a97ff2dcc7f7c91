import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type BackoffEntry,
  DEFAULT_CRASH_BACKOFF,
  formatDuration,
  recordFailure,
  retryAt,
} from '../../../agent/pods/backoff.js';

const cfg = DEFAULT_CRASH_BACKOFF;

test('delays double from 10 s to the 5 min cap', () => {
  let e: BackoffEntry | undefined;
  const seen: number[] = [];
  for (let i = 0; i < 8; i++) {
    e = recordFailure(e, `c${i}`, 1_000_000 + i * 1000, 1000, cfg);
    seen.push(e.delayMs / 1000);
  }
  assert.equal(seen, [10, 20, 40, 80, 160, 300, 300, 300]);
});

const table: { name: string; prev?: BackoffEntry; key: string; at: number; ran: number; want: number }[] = [
  { name: 'first failure', key: 'a', at: 0, ran: 0, want: 10_000 },
  {
    name: 'same failure counted once',
    prev: { failureKey: 'a', failedAt: 0, delayMs: 40_000 },
    key: 'a',
    at: 5,
    ran: 0,
    want: 40_000,
  },
  {
    name: 'next failure doubles',
    prev: { failureKey: 'a', failedAt: 0, delayMs: 40_000 },
    key: 'b',
    at: 50_000,
    ran: 1000,
    want: 80_000,
  },
  {
    name: 'ran 10 min: reset',
    prev: { failureKey: 'a', failedAt: 0, delayMs: 160_000 },
    key: 'b',
    at: 700_000,
    ran: 600_000,
    want: 10_000,
  },
  {
    name: 'ran 9 min: no reset',
    prev: { failureKey: 'a', failedAt: 0, delayMs: 160_000 },
    key: 'b',
    at: 540_000,
    ran: 540_000,
    want: 300_000,
  },
  {
    name: 'last failure long ago: reset',
    prev: { failureKey: 'a', failedAt: 0, delayMs: 300_000 },
    key: 'b',
    at: 700_000,
    ran: 0,
    want: 10_000,
  },
];
for (const t of table) {
  test(`recordFailure: ${t.name}`, () => {
    const e = recordFailure(t.prev, t.key, t.at, t.ran, cfg);
    assert.is(e.delayMs, t.want);
  });
}

test('retryAt and a configurable base', () => {
  const e = recordFailure(undefined, 'x', 5000, 0, { initialMs: 1000, maxMs: 4000, resetAfterRunMs: 60_000 });
  assert.is(retryAt(e), 6000);
  const e2 = recordFailure(
    recordFailure(
      recordFailure(e, 'y', 6000, 0, { initialMs: 1000, maxMs: 4000, resetAfterRunMs: 60_000 }),
      'z',
      7000,
      0,
      { initialMs: 1000, maxMs: 4000, resetAfterRunMs: 60_000 },
    ),
    'w',
    8000,
    0,
    { initialMs: 1000, maxMs: 4000, resetAfterRunMs: 60_000 },
  );
  assert.is(e2.delayMs, 4000);
});

for (const [ms, want] of [
  [500, '500ms'],
  [10_000, '10s'],
  [20_000, '20s'],
  [160_000, '2m40s'],
  [300_000, '5m0s'],
] as const) {
  test(`formatDuration ${ms}`, () => assert.is(formatDuration(ms), want));
}

test.run();
