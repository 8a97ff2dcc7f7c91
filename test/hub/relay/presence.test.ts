// Which hub holds a board and what a hub tells the others (pure logic): batches carry what was
// seen since the last one, a Ready condition only when it changed, and are split at the size
// bound; a will counts only from the hub that last reported the board.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_BATCH_NODES, Presence } from '../../../hub/relay/presence.js';
import type { NodeCondition } from '../../../shared/api/types.js';

const ready = (status: 'True' | 'False'): NodeCondition => ({ type: 'Ready', status, reason: 'AgentReady' });

test('a batch carries what was seen since the last one; Ready only when it changed', () => {
  const p = new Presence('aaaaaaaa');
  let r: NodeCondition | undefined = ready('True');
  p.seen('n1');
  p.seen('n2');
  p.will('n2');
  const [b1, ...rest] = p.takeBatches(() => r);
  assert.equal(rest, []);
  assert.equal(b1?.seen, ['n1']);
  assert.equal(b1?.wills, ['n2']);
  assert.equal(Object.keys(b1?.ready ?? {}), ['n1']);
  assert.equal(
    p.takeBatches(() => r),
    [{ v: 1, hub: 'aaaaaaaa', seen: [], ready: {}, wills: [] }],
    'nothing new: one empty batch (the hub is alive)',
  );
  p.seen('n1');
  assert.equal(p.takeBatches(() => r)[0]?.ready, {}, 'same Ready: not sent again');
  r = ready('False');
  p.seen('n1');
  assert.is(p.takeBatches(() => r)[0]?.ready.n1?.status, 'False', 'changed Ready sent');
  assert.is(p.holderOf('n1'), 'aaaaaaaa');
});

test(`batches hold at most ${MAX_BATCH_NODES} boards`, () => {
  const p = new Presence('aaaaaaaa');
  for (let i = 0; i < MAX_BATCH_NODES * 2 + 1; i++) p.seen(`n${i}`);
  assert.equal(
    p.takeBatches(() => undefined).map((b) => b.seen.length),
    [MAX_BATCH_NODES, MAX_BATCH_NODES, 1],
  );
});

test("a will counts only from the board's current holder", () => {
  const here = new Presence('aaaaaaaa');
  const batch = (hub: string, seen: string[], wills: string[]) => ({
    v: 1 as const,
    hub,
    seen,
    ready: {},
    wills,
  });
  assert.equal(here.applyRemote(batch('bbbbbbbb', ['n1'], []), 0), { seen: ['n1'], wills: [] });
  assert.is(here.holderOf('n1'), 'bbbbbbbb');
  // The board moved to hub C; hub B's late will for it does not count.
  here.applyRemote(batch('cccccccc', ['n1'], []), 0);
  assert.equal(here.applyRemote(batch('bbbbbbbb', [], ['n1']), 0).wills, []);
  assert.equal(here.applyRemote(batch('cccccccc', [], ['n1']), 0).wills, ['n1']);
  // Our own batches echoed back by NATS change nothing.
  here.seen('n2');
  assert.equal(here.applyRemote(batch('aaaaaaaa', ['n2'], ['n2']), 0), { seen: [], wills: [] });
});

const heartbeat = (hub: string, seen: string[] = []) => ({ v: 1 as const, hub, seen, ready: {}, wills: [] });

// Table: batches received (hub, at ms, boards seen), then the sweep time -> the hubs found dead
// with the boards they held. DEAD_AFTER 5000 ms.
const DEAD_AFTER = 5000;
const SWEEPS: {
  name: string;
  batches: [hub: string, atMs: number, seen: string[]][];
  sweepAtMs: number;
  dead: { hub: string; orphans: string[] }[];
}[] = [
  {
    name: 'every hub heard within the timeout: none dead',
    batches: [
      ['bbbbbbbb', 0, ['n1']],
      ['bbbbbbbb', 4000, []],
      ['cccccccc', 4500, ['n2']],
    ],
    sweepAtMs: 8999,
    dead: [],
  },
  {
    name: 'a hub silent for the timeout is dead with the boards it held',
    batches: [
      ['bbbbbbbb', 0, ['n1', 'n2']],
      ['cccccccc', 0, ['n3']],
      ['cccccccc', 4000, []],
    ],
    sweepAtMs: 5000,
    dead: [{ hub: 'bbbbbbbb', orphans: ['n1', 'n2'] }],
  },
  {
    name: 'a board that already moved to a live hub is not an orphan of the dead one',
    batches: [
      ['bbbbbbbb', 0, ['n1', 'n2']],
      ['cccccccc', 2000, ['n2']],
    ],
    sweepAtMs: 6000,
    dead: [{ hub: 'bbbbbbbb', orphans: ['n1'] }],
  },
  {
    name: 'our own echoed batches never make us dead',
    batches: [['aaaaaaaa', 0, ['n9']]],
    sweepAtMs: 60_000,
    dead: [],
  },
];

for (const c of SWEEPS) {
  test(`dead hubs: ${c.name}`, () => {
    const here = new Presence('aaaaaaaa');
    for (const [hub, at, seen] of c.batches) here.applyRemote(heartbeat(hub, seen), at);
    assert.equal(here.takeDeadHubs(c.sweepAtMs, DEAD_AFTER), c.dead);
    assert.equal(here.takeDeadHubs(c.sweepAtMs, DEAD_AFTER), [], 'a dead hub is reported once');
  });
}

test.run();
