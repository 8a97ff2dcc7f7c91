// Connection admission (pure logic, injected clock and loop lag): attempts over the bound or
// while the event loop runs too late are shed and counted by reason; a slot comes back once;
// one log line when a burst starts, one when it ends. LoopLag reports a stall as it happens.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConnectAdmission } from '../../../hub/broker/admission.js';
import { LoopLag } from '../../../hub/broker/loop-lag.js';
import type { Logger } from '../../../shared/log.js';

function recordingLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log: Logger = {
    debug: () => {},
    info: (m) => lines.push(m),
    warn: (m) => lines.push(m),
    error: (m) => lines.push(m),
    child: () => log,
  };
  return { log, lines };
}

// Table: bound, loop lag (ms, max 5000), attempts -> admitted, shed, of which for lag.
const CASES = [
  { name: 'under the bound, loop on time', bound: 4, lag: 0, attempts: 3, admitted: 3, shed: 0, forLag: 0 },
  { name: 'over the bound', bound: 4, lag: 0, attempts: 10, admitted: 4, shed: 6, forLag: 0 },
  {
    name: 'loop late by more than the max',
    bound: 4,
    lag: 5001,
    attempts: 3,
    admitted: 0,
    shed: 3,
    forLag: 3,
  },
  { name: 'loop late by exactly the max', bound: 4, lag: 5000, attempts: 3, admitted: 3, shed: 0, forLag: 0 },
];

for (const c of CASES) {
  test(`admission: ${c.name}`, () => {
    const { log } = recordingLog();
    const a = new ConnectAdmission(c.bound, log, { lagMs: () => c.lag, maxLagMs: 5000 });
    const slots = Array.from({ length: c.attempts }, () => a.admit());
    assert.is(slots.filter(Boolean).length, c.admitted);
    const s = a.stats();
    assert.is(s.connecting, c.admitted);
    assert.is(s.shed, c.shed);
    assert.is(s.shedForLag, c.forLag);
    for (const release of slots) {
      release?.();
      release?.(); // twice: the slot comes back once
    }
    assert.is(a.stats().connecting, 0);
    a.close();
  });
}

test('admission: a freed slot admits the next attempt; one log line per burst, not per shed', async () => {
  const { log, lines } = recordingLog();
  const a = new ConnectAdmission(1, log);
  const first = a.admit();
  for (let i = 0; i < 50; i++) assert.is(a.admit(), undefined);
  assert.equal(
    lines.filter((l) => l.startsWith('shedding connection attempts')).length,
    1,
    'one line as the burst starts',
  );
  first?.();
  assert.ok(a.admit(), 'the slot is free again');
  a.close(); // ends the burst in progress with its count
  assert.equal(lines.filter((l) => l === 'shedding ended').length, 1);
  assert.is(a.stats().bursts, 1);
  assert.ok(a.stats().lastShedAtMs !== undefined);
});

test('loop lag: the last firing counts, and a stall counts while it lasts', () => {
  let t = 0;
  const lag = new LoopLag(250, () => t);
  t = 250;
  lag.tick();
  assert.is(lag.lagMs(), 0, 'on time');
  t = 250 + 250 + 900;
  lag.tick();
  assert.is(lag.lagMs(), 900, 'fired 900 ms late');
  t += 250;
  lag.tick();
  assert.is(lag.lagMs(), 0, 'caught up');
  t += 6000; // no firing for 6 s: the loop is stalled now
  assert.is(lag.lagMs(), 5750);
  lag.stop();
});

test.run();
