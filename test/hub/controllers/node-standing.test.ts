// The node lifecycle's timing rules (hub/controllers/node-standing.ts) as a table: the grace
// after a heartbeat, the start-up grace after a hub start, the hold while boards are still
// coming back (and its bound), a registration after the start, a dead hub's boards.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeStanding, type StandingInput } from '../../../hub/controllers/node-standing.js';

const S = 1000;
const GRACE = 40 * S;
const STARTUP = 70 * S; // grace + the longest reconnect wait
const QUIET = 30 * S;
const MAX = 300 * S;
const START = 1_000_000 * S;
const BEFORE = START - 3600 * S; // registered an hour before the start

/** Times in seconds after the hub's start. */
const CASES: {
  what: string;
  now: number;
  heard?: number;
  created?: number;
  connected?: boolean;
  orphaned?: number;
  lastArrival?: number;
  lastOrphanReturn?: number;
  within: boolean;
  /** Seconds after the start when its window ends. */
  until?: number;
}[] = [
  // Heard from since the start: the grace from its last message.
  { what: 'heard 10 s ago', now: 100, heard: 90, lastArrival: 90, within: true, until: 130 },
  { what: 'heard a grace ago', now: 130, heard: 90, lastArrival: 129, within: false, until: 130 },
  {
    what: 'heard, then a will (boards still returning does not hold it)',
    now: 100,
    heard: 99,
    connected: false,
    lastArrival: 99,
    within: false,
  },
  // Not heard since the start: the start-up grace.
  { what: 'not heard, 69 s after the start, no board back', now: 69, within: true, until: 70 },
  { what: 'not heard, 70 s after the start, no board back', now: 70, within: false, until: 70 },
  { what: 'not heard, a will, within the start-up grace', now: 10, connected: false, within: true },
  {
    what: 'not heard, 70 s after the start, the last board came back 50 s ago',
    now: 70,
    lastArrival: 20,
    within: false,
    until: 70,
  },
  // ... held while boards are still coming back (the 10,000-board restart: the last back after 89 s).
  {
    what: 'not heard, 75 s after the start, a board came back just now',
    now: 75,
    lastArrival: 75,
    within: true,
    until: 105,
  },
  {
    what: 'not heard, 89 s after the start, the last board came back 29 s ago',
    now: 89,
    lastArrival: 60,
    within: true,
    until: 90,
  },
  {
    what: 'not heard, the last board came back a quiet period ago',
    now: 120,
    lastArrival: 90,
    within: false,
    until: 120,
  },
  {
    what: 'not heard, boards still coming back 5 min after the start (bound)',
    now: 300,
    lastArrival: 299,
    within: false,
    until: 300,
  },
  {
    what: 'not heard, a will, boards still coming back',
    now: 80,
    connected: false,
    lastArrival: 79,
    within: true,
    until: 109,
  },
  // Registered since the start: the plain grace from its registration, no start-up hold.
  {
    what: 'registered after the start, not heard, 39 s later',
    now: 49,
    created: 10,
    within: true,
    until: 50,
  },
  {
    what: 'registered after the start, not heard, a grace later, boards still coming back',
    now: 50,
    created: 10,
    lastArrival: 49,
    within: false,
    until: 50,
  },
  // Several hubs: its hub found dead; the start-up grace from then.
  {
    what: 'heard long ago, its hub found dead 60 s ago',
    now: 1000,
    heard: 900,
    orphaned: 940,
    within: true,
    until: 1010,
  },
  {
    what: 'heard long ago, its hub found dead 70 s ago',
    now: 1010,
    heard: 900,
    orphaned: 940,
    within: false,
  },
  // ... held while that hub's boards are still re-homing (30,000 boards: 10,000 took 104 s).
  {
    what: 'its hub found dead 75 s ago, another orphan came back 5 s ago',
    now: 1015,
    heard: 900,
    orphaned: 940,
    lastOrphanReturn: 1010,
    within: true,
    until: 1040,
  },
  {
    what: 'its hub found dead 75 s ago, the last orphan came back 35 s ago',
    now: 1015,
    heard: 900,
    orphaned: 940,
    lastOrphanReturn: 980,
    within: false,
    until: 1010,
  },
  {
    what: 'its hub found dead 305 s ago, orphans still coming back (bounded)',
    now: 1245,
    heard: 900,
    orphaned: 940,
    lastOrphanReturn: 1244,
    within: false,
    until: 1240,
  },
  {
    what: 'its hub found dead 75 s ago, the last return was before (an earlier death)',
    now: 1015,
    heard: 900,
    orphaned: 940,
    lastOrphanReturn: 930,
    within: false,
    until: 1010,
  },
  {
    what: 'heard since the start, not orphaned, orphans coming back: the grace only',
    now: 1000,
    heard: 950,
    lastOrphanReturn: 999,
    within: false,
    until: 990,
  },
];

for (const c of CASES) {
  test(`standing: ${c.what} -> ${c.within ? 'within' : 'past'} its window`, () => {
    const at = (s: number) => START + s * S;
    const input: StandingInput = {
      now: at(c.now),
      startTime: START,
      grace: GRACE,
      startupGrace: STARTUP,
      returnQuiet: QUIET,
      maxStartupGrace: MAX,
      created: c.created === undefined ? BEFORE : at(c.created),
      connected: c.connected ?? true,
      ...(c.heard !== undefined ? { heard: at(c.heard) } : {}),
      ...(c.orphaned !== undefined ? { orphanedAt: at(c.orphaned) } : {}),
      ...(c.lastArrival !== undefined ? { lastArrival: at(c.lastArrival) } : {}),
      ...(c.lastOrphanReturn !== undefined ? { lastOrphanReturn: at(c.lastOrphanReturn) } : {}),
    };
    const s = nodeStanding(input);
    assert.is(s.within, c.within, 'within');
    if (c.until !== undefined) assert.is((s.until - START) / S, c.until, 'until (s after the start)');
    assert.is(s.heard, c.heard !== undefined);
  });
}

test('standing: a bound below the start-up grace does not shorten it', () => {
  const s = nodeStanding({
    now: START + 60 * S,
    startTime: START,
    grace: GRACE,
    startupGrace: STARTUP,
    returnQuiet: QUIET,
    maxStartupGrace: 10 * S,
    created: BEFORE,
    connected: true,
    lastArrival: START + 59 * S,
  });
  assert.ok(s.within);
  assert.is(s.until, START + STARTUP);
});

test.run();
