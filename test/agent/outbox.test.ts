// The agent's send window (agent/outbox.ts): QoS 1 reports go out only while the unacknowledged
// ones leave room, a waiting report is replaced by a newer one of its key, events are bounded.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_UNKEYED_WAITING, Outbox, type OutboxClient, publishPacketBytes } from '../../agent/outbox.js';
import { isDeflated } from '../../shared/codec/deflate.js';
import { waitFor } from '../helpers/wait.js';

interface Sent {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  ack?: (err?: Error) => void;
}

/** Records publishes; a QoS 1 publish is acknowledged when the test calls its ack. */
function recorder(): OutboxClient & { sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    publish(topic, payload, opts, cb) {
      sent.push({ topic, payload, qos: opts.qos, ack: cb });
    },
  };
}

const json = (n: number, fill = 'a') => Buffer.from(JSON.stringify({ v: 1, x: fill.repeat(n) }));

test('publishPacketBytes: MQTT 3.1.1 header, topic, packet id and payload', () => {
  const table: [string, number, 0 | 1, number][] = [
    ['t', 0, 0, 1 + 1 + 2 + 1],
    ['t', 0, 1, 1 + 1 + 2 + 1 + 2],
    ['drover/nodes/a/status', 100, 1, 1 + 1 + 2 + 21 + 2 + 100],
    ['t', 200, 1, 1 + 2 + 2 + 1 + 2 + 200], // remaining length 205 takes two bytes
  ];
  for (const [topic, n, qos, want] of table)
    assert.is(publishPacketBytes(topic, n, qos), want, `${topic} ${n}`);
});

test('a report waits while the unacknowledged ones fill the window, and goes at the PUBACK', () => {
  const c = recorder();
  const o = new Outbox(c, { windowBytes: 300 });
  o.send('a', json(100));
  o.send('b', json(100));
  assert.is(c.sent.length, 2, 'two fit in 300 bytes');
  o.send('c', json(100));
  assert.is(c.sent.length, 2, 'the third waits');
  assert.is(o.waitingCount, 1);
  c.sent[0]!.ack!();
  assert.is(c.sent.length, 3);
  assert.equal(
    c.sent.map((s) => s.topic),
    ['a', 'b', 'c'],
  );
  c.sent[1]!.ack!();
  c.sent[2]!.ack!();
  assert.is(o.inFlightBytes, 0);
});

test('a report larger than the window goes alone, once nothing is in flight', () => {
  const c = recorder();
  const o = new Outbox(c, { windowBytes: 100 });
  o.send('small', json(50));
  // 400 distinct numbers: ~2.4 KB of JSON that deflate cannot bring under 100 bytes
  const big = Buffer.from(
    JSON.stringify({ v: 1, x: Array.from({ length: 400 }, (_, i) => (i * 7919) % 10007) }),
  );
  o.send('big', big);
  assert.is(c.sent.length, 1, 'waits for the window to empty');
  c.sent[0]!.ack!();
  assert.is(c.sent.length, 2);
  assert.is(c.sent[1]!.topic, 'big');
  assert.ok(o.inFlightBytes > 100);
  o.send('after', json(10));
  assert.is(c.sent.length, 2, 'nothing joins it while it is in flight');
  c.sent[1]!.ack!();
  assert.is(c.sent[2]!.topic, 'after');
});

test('a waiting report is replaced by a newer one with its key, and keeps its place', () => {
  const c = recorder();
  const o = new Outbox(c, { windowBytes: 100 });
  o.send('first', json(60));
  o.send('pod-a', Buffer.from('{"v":1,"s":"Pending"}'), 'pod-a');
  o.send('pod-b', Buffer.from('{"v":1,"s":"Pending"}'), 'pod-b');
  o.send('pod-a', Buffer.from('{"v":1,"s":"Running"}'), 'pod-a');
  assert.is(o.waitingCount, 2);
  c.sent[0]!.ack!();
  c.sent[1]!.ack!();
  assert.equal(
    c.sent.map((s) => `${s.topic} ${s.payload.toString()}`),
    [
      'first {"v":1,"x":"' + 'a'.repeat(60) + '"}',
      'pod-a {"v":1,"s":"Running"}',
      'pod-b {"v":1,"s":"Pending"}',
    ],
  );
});

test('an error callback (connection closed) frees the window as an acknowledgement does', () => {
  const c = recorder();
  const o = new Outbox(c, { windowBytes: 100 });
  o.send('a', json(60));
  o.send('b', json(60));
  c.sent[0]!.ack!(new Error('connection closed'));
  assert.is(c.sent.length, 2);
});

test('events without a key are bounded while waiting: the overflow is dropped and counted', () => {
  const c = recorder();
  const told: string[] = [];
  const o = new Outbox(c, { windowBytes: 100, onFirstDrop: (t) => told.push(t) });
  o.send('first', json(60));
  for (let i = 0; i < MAX_UNKEYED_WAITING + 10; i++) o.send('event', json(10));
  assert.is(o.waitingCount, MAX_UNKEYED_WAITING);
  assert.is(o.dropped, 10);
  assert.equal(told, ['event'], 'told once');
  o.send('status', json(10), 'status');
  assert.is(o.waitingCount, MAX_UNKEYED_WAITING + 1, 'a keyed report is not an event');
});

test('payloads over the minimum go deflated, QoS 0 ones too; small ones as they are', () => {
  const c = recorder();
  const o = new Outbox(c);
  o.send('report', json(2_000));
  o.fire('usage', json(2_000));
  o.fire('heartbeat', json(10));
  assert.ok(isDeflated(c.sent[0]!.payload));
  assert.is(c.sent[1]!.qos, 0);
  assert.ok(isDeflated(c.sent[1]!.payload));
  assert.not.ok(isDeflated(c.sent[2]!.payload));
});

test('a PUBACK that never comes frees its room after the ack timeout, once', async () => {
  const c = recorder();
  const o = new Outbox(c, { windowBytes: 100, ackTimeoutMs: 30 });
  o.send('a', json(60));
  o.send('b', json(60));
  assert.is(c.sent.length, 1);
  const t0 = Date.now();
  // Polled each millisecond and b acknowledged in the same turn: only a can time out.
  await waitFor(() => c.sent.length === 2, { intervalMs: 1, timeoutMs: 5_000, what: 'b sent' });
  c.sent[1]!.ack!();
  assert.is(c.sent.length, 2, 'b went once a timed out');
  assert.ok(Date.now() - t0 >= 20, `not before the timeout (${Date.now() - t0} ms)`);
  assert.is(o.ackTimeouts, 1);
  c.sent[0]!.ack!(); // a late PUBACK frees nothing twice
  assert.is(o.inFlightBytes, 0);
});

test.run();
