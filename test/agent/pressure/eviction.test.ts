// Node-pressure eviction, pure parts: the kubelet's ranking per signal, soft thresholds with
// grace periods and their refusals, minimum reclaim, and the round-by-round decision.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDurationMs } from '../../../agent/duration.js';
import { EvictionSignals } from '../../../agent/pressure/eviction-signals.js';
import { type PodUsage, rankForEviction } from '../../../agent/pressure/ranking.js';
import type { Observations } from '../../../agent/pressure/signals.js';
import {
  parseEvictionHard,
  parseEvictionSoft,
  type Signal,
  ThresholdParseError,
  withMinimumReclaim,
} from '../../../agent/pressure/thresholds.js';

const Mi = 1024 * 1024;
const pod = (uid: string, o: Partial<PodUsage> = {}): PodUsage => ({
  uid,
  priority: 0,
  memory: 0,
  memoryRequest: 0,
  disk: 0,
  diskRequest: 0,
  processes: 1,
  ...o,
});

const RANKS: [string, Signal, PodUsage[], string[]][] = [
  [
    'memory: BestEffort using memory before a Burstable pod within its requests, even a bigger one',
    'memory.available',
    [pod('burstable', { memory: 300 * Mi, memoryRequest: 400 * Mi }), pod('besteffort', { memory: 10 * Mi })],
    ['besteffort', 'burstable'],
  ],
  [
    'memory: among pods over their requests, lower priority first',
    'memory.available',
    [
      pod('high', { priority: 1000, memory: 500 * Mi }),
      pod('low', { priority: 0, memory: 20 * Mi, memoryRequest: 10 * Mi }),
    ],
    ['low', 'high'],
  ],
  [
    'memory: same priority, the larger usage above requests first',
    'memory.available',
    [
      pod('a', { memory: 200 * Mi, memoryRequest: 150 * Mi }),
      pod('b', { memory: 120 * Mi, memoryRequest: 10 * Mi }),
      pod('c', { memory: 30 * Mi }),
    ],
    ['b', 'a', 'c'],
  ],
  [
    'nodefs: the pod writing past its ephemeral-storage request first, then the biggest writer',
    'nodefs.available',
    [
      pod('quiet', { disk: 1 * Mi, diskRequest: 100 * Mi }),
      pod('writer', { disk: 50 * Mi }),
      pod('small', { disk: 2 * Mi }),
    ],
    ['writer', 'small', 'quiet'],
  ],
  [
    'imagefs ranks as nodefs; a critical priority pod last',
    'imagefs.available',
    [pod('critical', { priority: 2_000_000_000, disk: 80 * Mi }), pod('app', { disk: 5 * Mi })],
    ['app', 'critical'],
  ],
  [
    'pid: lower priority first, then more processes',
    'pid.available',
    [
      pod('many', { processes: 500 }),
      pod('few', { processes: 3 }),
      pod('important', { priority: 100, processes: 9000 }),
    ],
    ['many', 'few', 'important'],
  ],
];
for (const [name, signal, pods, want] of RANKS)
  test(`rank: ${name}`, () => {
    assert.equal(
      rankForEviction(signal, pods).map((p) => p.uid),
      want,
    );
  });

test('soft thresholds take their grace periods', () => {
  const t = parseEvictionSoft(
    'memory.available<1.5Gi,nodefs.available<15%',
    'memory.available=90s,nodefs.available=2m',
    parseDurationMs,
  );
  assert.equal(
    t.map((x) => [x.signal, x.quantity ?? x.fraction, x.gracePeriodMs]),
    [
      ['memory.available', 1.5 * 1024 * Mi, 90_000],
      ['nodefs.available', 0.15, 120_000],
    ],
  );
  assert.equal(parseEvictionSoft('', '', parseDurationMs), []);
});

const BAD_SOFT: [string, string, RegExp][] = [
  [
    'memory.available<1Gi',
    '',
    /grace period must be specified for the soft eviction threshold memory.available/,
  ],
  ['', 'memory.available=1m', /but the threshold is not specified/],
  ['memory.available<1Gi', 'memory.available=soon', /not a duration/],
  ['memory.available<1Gi', 'memory.available:1m', /not signal=value/],
  ['memory.available<1Gi', 'disk.available=1m', /unknown signal/],
];
for (const [soft, grace, re] of BAD_SOFT)
  test(`soft refused: ${JSON.stringify([soft, grace])}`, () => {
    assert.throws(
      () => parseEvictionSoft(soft, grace, parseDurationMs),
      (e: Error) => e instanceof ThresholdParseError && re.test(e.message),
    );
  });

test('minimum reclaim attaches to its signal; a malformed one is refused', () => {
  const t = withMinimumReclaim(
    parseEvictionHard('memory.available<100Mi,nodefs.available<10%'),
    'nodefs.available=5%',
  );
  assert.equal(t[1].minReclaim, { fraction: 0.05 });
  assert.is(t[0].minReclaim, undefined);
  assert.throws(() => withMinimumReclaim(t, 'nodefs.available=lots'), /not a quantity/);
});

const mem = (availableMi: number): Observations => ({
  'memory.available': { available: availableMi * Mi, capacity: 1000 * Mi },
});

test('hard threshold acts at once; minimum reclaim keeps it met until threshold + reclaim is free', () => {
  const s = new EvictionSignals(
    withMinimumReclaim(parseEvictionHard('memory.available<100Mi'), 'memory.available=50Mi'),
  );
  const rounds: [number, boolean][] = [
    [120, false], // above the threshold
    [90, true], // met: act
    [130, true], // above 100 but under 100 + 50: still met
    [160, false], // reclaimed
    [130, false], // not met before, so no reclaim margin
  ];
  for (const [avail, acting] of rounds)
    assert.is(s.step(mem(avail), 0).acting.length > 0, acting, `available ${avail}Mi`);
});

test('soft threshold acts only after its grace period, counted from when it was first met', () => {
  const s = new EvictionSignals(
    parseEvictionSoft('memory.available<200Mi', 'memory.available=30s', parseDurationMs),
  );
  const rounds: [number, number, boolean, boolean][] = [
    // time s, available Mi, met, acting
    [0, 150, true, false],
    [20, 150, true, false],
    [30, 150, true, true],
    [40, 250, false, false], // cleared: the clock restarts
    [50, 150, true, false],
    [79, 150, true, false],
    [80, 150, true, true],
  ];
  for (const [t, avail, met, acting] of rounds) {
    const r = s.step(mem(avail), t * 1000);
    assert.is(r.met.length > 0, met, `met at ${t}s`);
    assert.is(r.acting.length > 0, acting, `acting at ${t}s`);
  }
});

test.run();
