// The rollout's pure decisions, table-driven: wave planning (selector, percent of the remaining
// boards, count, maxInFlight, the remainder wave) and the plan kept across reconciles, a
// board's health (also of a pod seen before), and the wave gate.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { evaluateGate, type WaveCounts } from '../../../hub/controllers/rollout/gate.js';
import { type BoardView, boardHealth } from '../../../hub/controllers/rollout/health.js';
import { planWaves, type ResolvedGate } from '../../../hub/controllers/rollout/plan.js';
import { WavePlans } from '../../../hub/controllers/rollout/plan-cache.js';
import type { RolloutWave } from '../../../shared/api/rollout.js';
import type { Pod } from '../../../shared/api/types.js';

const boards = (n: number, canary: number[] = []) =>
  Array.from({ length: n }, (_, i) => ({
    name: `b${String(i).padStart(3, '0')}`,
    labels: { ring: canary.includes(i) ? 'canary' : 'main' },
  }));

const canary: RolloutWave = { name: 'canary', selector: { matchLabels: { ring: 'canary' } } };

const planCases: {
  name: string;
  waves: RolloutWave[];
  fleet: ReturnType<typeof boards>;
  sizes: [string, number, number][]; // name, boards, maxInFlight
  first?: string[];
}[] = [
  {
    name: '50 boards: canary by label, 50% of the rest, 100% of the rest',
    waves: [canary, { name: 'half', percent: 50 }, { name: 'rest', percent: 100, maxInFlight: '10%' }],
    fleet: boards(50, [3, 17, 40]),
    sizes: [
      ['canary', 3, 3],
      ['half', 24, 24],
      ['rest', 23, 3],
    ],
    first: ['b003', 'b017', 'b040'],
  },
  {
    name: 'percent rounds up: 1% of 10 is one board',
    waves: [{ percent: 1 }, { percent: 10 }],
    fleet: boards(10),
    sizes: [
      ['wave-1', 1, 1],
      ['wave-2', 1, 1],
      ['remainder', 8, 8],
    ],
  },
  {
    name: 'count takes at most what remains; maxInFlight as a count',
    waves: [{ count: 2, maxInFlight: 1 }, { count: 100 }],
    fleet: boards(5),
    sizes: [
      ['wave-1', 2, 1],
      ['wave-2', 3, 3],
    ],
    first: ['b000', 'b001'],
  },
  {
    name: 'a selector that matches nothing: an empty wave, the rest to the remainder',
    waves: [canary],
    fleet: boards(4),
    sizes: [
      ['canary', 0, 1],
      ['remainder', 4, 4],
    ],
  },
  {
    name: 'a selector with a count: two of the canaries',
    waves: [{ ...canary, count: 2 }, {}],
    fleet: boards(6, [1, 2, 5]),
    sizes: [
      ['canary', 2, 2],
      ['wave-2', 4, 4],
    ],
    first: ['b001', 'b002'],
  },
];

for (const c of planCases)
  test(`plan: ${c.name}`, () => {
    const waves = planWaves({ waves: c.waves, gate: { soakSeconds: 5 } }, c.fleet);
    assert.equal(
      waves.map((w) => [w.name, w.boards.length, w.maxInFlight]),
      c.sizes,
    );
    if (c.first) assert.equal(waves[0].boards, c.first);
    const all = waves.flatMap((w) => w.boards);
    assert.is(new Set(all).size, all.length, 'no board in two waves');
    assert.is(all.length, c.fleet.length, 'every board in a wave');
  });

test('plan: a wave gate overrides the rollout gate field by field', () => {
  const [w] = planWaves(
    {
      waves: [{ gate: { soakSeconds: 60, failureThreshold: { percent: 10 } } }],
      gate: { soakSeconds: 5, boardTimeoutSeconds: 30, failureThreshold: { percent: 0, minBoards: 3 } },
    },
    boards(2),
  );
  assert.equal(w.gate, { soakSeconds: 60, boardTimeoutSeconds: 30, failurePercent: 10, failureMinBoards: 3 });
});

const NOW = Date.parse('2026-12-02T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const GATE: ResolvedGate = {
  soakSeconds: 30,
  boardTimeoutSeconds: 120,
  failurePercent: 0,
  failureMinBoards: 1,
};

function pod(
  rev: string,
  o: { readyAgoS?: number; createdAgoS?: number; restarts?: number; waiting?: string } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      labels: { 'controller-revision-hash': rev },
      creationTimestamp: iso(NOW - (o.createdAgoS ?? 10) * 1000),
    },
    spec: { containers: [{ name: 'c', image: 'x' }] },
    status: {
      phase: 'Running',
      conditions:
        o.readyAgoS !== undefined
          ? [{ type: 'Ready', status: 'True', lastTransitionTime: iso(NOW - o.readyAgoS * 1000) }]
          : [{ type: 'Ready', status: 'False' }],
      containerStatuses: [
        {
          name: 'c',
          ready: o.readyAgoS !== undefined,
          restartCount: o.restarts ?? 0,
          image: 'x',
          imageID: '',
          ...(o.waiting ? { state: { waiting: { reason: o.waiting, message: 'manifest unknown' } } } : {}),
        },
      ],
    },
  } as Pod;
}

const view = (
  p: Pod | undefined,
  nodeReady = true,
  terminating = false,
  pullFailure?: string,
): BoardView => ({
  node: 'n',
  nodeReady,
  pod: p,
  terminating,
  ...(pullFailure ? { pullFailure } : {}),
});

const healthCases: [string, BoardView, string, number | undefined][] = [
  ['old revision, node Ready', view(pod('old', { readyAgoS: 999 })), 'old', undefined],
  ['old revision, node offline', view(pod('old', { readyAgoS: 999 }), false), 'pending', undefined],
  ['old pod terminating', view(undefined, true, true), 'updating', undefined],
  ['new, Ready 40 s (soak 30 s)', view(pod('new', { readyAgoS: 40 })), 'healthy', undefined],
  ['new, Ready 10 s: soaking', view(pod('new', { readyAgoS: 10 })), 'updating', NOW + 20_000],
  ['new, restarted', view(pod('new', { readyAgoS: 40, restarts: 1 })), 'failed', undefined],
  ['new, not Ready after 200 s (timeout 120 s)', view(pod('new', { createdAgoS: 200 })), 'failed', undefined],
  ['new, not Ready after 20 s', view(pod('new', { createdAgoS: 20 })), 'updating', NOW + 100_000],
  ['new, not Ready, node offline', view(pod('new', { createdAgoS: 200 }), false), 'pending', undefined],
  // #18: a pull that fails fails the board at once, not at the board timeout.
  [
    'new, ErrImagePull after 5 s',
    view(pod('new', { createdAgoS: 5, waiting: 'ErrImagePull' })),
    'failed',
    undefined,
  ],
  [
    'new, ImagePullBackOff',
    view(pod('new', { createdAgoS: 5, waiting: 'ImagePullBackOff' })),
    'failed',
    undefined,
  ],
  [
    'new, ContainerCreating',
    view(pod('new', { createdAgoS: 5, waiting: 'ContainerCreating' })),
    'updating',
    NOW + 115_000,
  ],
  [
    'old kept: its board cannot pull the new image',
    view(undefined, true, true, 'cannot pull x'),
    'failed',
    undefined,
  ],
  [
    'old kept, cannot pull, node offline',
    view(undefined, false, true, 'cannot pull x'),
    'pending',
    undefined,
  ],
];

for (const [name, v, state, wake] of healthCases)
  test(`health: ${name} -> ${state}`, () => {
    const h = boardHealth(v, 'new', GATE, NOW);
    assert.is(h.state, state);
    assert.is(h.wakeAt, wake);
  });

const counts = (c: Partial<WaveCounts>): WaveCounts => ({
  boards: 10,
  old: 0,
  pending: 0,
  updating: 0,
  healthy: 0,
  failed: 0,
  ...c,
});
const skip = { policy: 'Skip' as const, timeoutSeconds: 60 };
const gateCases: [
  string,
  WaveCounts,
  ResolvedGate,
  typeof skip | { policy: 'Wait'; timeoutSeconds: number },
  number,
  string,
][] = [
  ['all healthy', counts({ healthy: 10 }), GATE, skip, 0, 'passed'],
  ['one failed, threshold 0% after 1', counts({ healthy: 9, failed: 1 }), GATE, skip, 0, 'failed'],
  [
    'one failed of 10, threshold 10% after 1: within',
    counts({ healthy: 9, failed: 1 }),
    { ...GATE, failurePercent: 10 },
    skip,
    0,
    'passed',
  ],
  [
    'two failed of 10, threshold 10%',
    counts({ healthy: 8, failed: 2 }),
    { ...GATE, failurePercent: 10 },
    skip,
    0,
    'failed',
  ],
  [
    'two failed, minimum 3 boards before failing',
    counts({ updating: 8, failed: 2 }),
    { ...GATE, failureMinBoards: 3 },
    skip,
    0,
    'waiting',
  ],
  ['still updating', counts({ healthy: 5, updating: 5 }), GATE, skip, 0, 'waiting'],
  ['offline boards, Skip, before the timeout', counts({ healthy: 8, pending: 2 }), GATE, skip, 30, 'waiting'],
  ['offline boards, Skip, after the timeout', counts({ healthy: 8, pending: 2 }), GATE, skip, 61, 'passed'],
  [
    'offline boards, Wait: never by time',
    counts({ healthy: 8, pending: 2 }),
    GATE,
    { policy: 'Wait', timeoutSeconds: 60 },
    10_000,
    'waiting',
  ],
  ['an empty wave', counts({ boards: 0 }), GATE, skip, 0, 'passed'],
];

for (const [name, c, g, offline, elapsedS, want] of gateCases)
  test(`gate: ${name} -> ${want}`, () => {
    assert.is(evaluateGate(c, g, offline, NOW - elapsedS * 1000, NOW).result, want);
  });

test('the kept plan: the same object while spec and boards are equal, a new one when either changes', () => {
  const plans = new WavePlans();
  const spec = { waves: [canary, { name: 'half', percent: 50 }] };
  const first = plans.plan('default/r', spec, boards(10, [2]));
  // Equal inputs in new objects (as a reconcile builds them): the kept plan.
  assert.is(
    plans.plan('default/r', { waves: [canary, { name: 'half', percent: 50 }] }, boards(10, [2])),
    first,
  );
  // Another board labelled into the canary ring.
  const relabelled = plans.plan('default/r', spec, boards(10, [2, 7]));
  assert.is.not(relabelled, first);
  assert.equal(relabelled[0].boards, ['b002', 'b007']);
  // A label added (same values otherwise), a board gone, the spec changed, another rollout.
  const extra = boards(10, [2, 7]).map((b, i) =>
    i === 4 ? { ...b, labels: { ...b.labels, zone: 'a' } } : b,
  );
  assert.is.not(plans.plan('default/r', spec, extra), relabelled);
  assert.is(plans.plan('default/r', spec, boards(9, [2, 7]))[1].boards.length, 4);
  const spec2 = { waves: [canary, { name: 'half', percent: 100 }] };
  assert.is(plans.plan('default/r', spec2, boards(9, [2, 7]))[1].boards.length, 7);
  assert.is(plans.plan('default/other', spec, boards(9, [2, 7]))[1].boards.length, 4);
});

test('health: a pod judged again after its Ready time passed the soak (facts kept per pod object)', () => {
  const p = pod('new', { readyAgoS: 10 });
  assert.is(boardHealth(view(p), 'new', GATE, NOW).state, 'updating');
  assert.is(boardHealth(view(p), 'new', GATE, NOW + 25_000).state, 'healthy');
  // A new object for the same pod (as the informer holds after an update) is judged anew.
  const restarted = pod('new', { readyAgoS: 10, restarts: 1 });
  assert.is(boardHealth(view(restarted), 'new', GATE, NOW + 25_000).state, 'failed');
});

test.run();
