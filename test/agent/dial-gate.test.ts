// The simulator's dial gate (pure logic): at most `limit` attempts hold it, the rest wait in
// order, a release passes the slot on, a double release frees nothing twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DialGate } from '../../agent/dial-gate.js';

test('at most limit holders; waiters get the slot in order; release is idempotent', async () => {
  const gate = new DialGate(2);
  const order: number[] = [];
  const a = await gate.acquire();
  const b = await gate.acquire();
  const waiting = [3, 4].map((i) =>
    gate.acquire().then((r) => {
      order.push(i);
      return r;
    }),
  );
  await new Promise((r) => setImmediate(r));
  assert.equal(order, [], 'both slots held: nobody else starts');
  a();
  a(); // a second release of the same slot frees nothing more
  await new Promise((r) => setImmediate(r));
  assert.equal(order, [3]);
  b();
  const [c, d] = await Promise.all(waiting);
  assert.equal(order, [3, 4]);
  c?.();
  d?.();
  const e = await gate.acquire();
  const f = await gate.acquire();
  let third = false;
  void gate.acquire().then(() => {
    third = true;
  });
  await new Promise((r) => setImmediate(r));
  assert.not.ok(third, 'all released, then two taken again: the limit still holds');
  e();
  f();
});

test('a connect of a joined board (first) is served before waiting joins', async () => {
  const gate = new DialGate(1);
  const held = await gate.acquire();
  const order: string[] = [];
  const join = gate.acquire().then((r) => {
    order.push('join');
    return r;
  });
  const connect = gate.acquire(true).then((r) => {
    order.push('connect');
    return r;
  });
  held();
  (await connect)();
  (await join)();
  assert.equal(order, ['connect', 'join']);
});

test('a limit below 1 is refused', () => {
  assert.throws(() => new DialGate(0), /integer >= 1/);
});

test.run();
