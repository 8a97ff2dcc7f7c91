// A packet that mqtt-packet writes in pieces under a cork reaches the other side as one chunk
// (without writev: a PUBACK was 3 socket writes, a PUBLISH to the gateway 6 chunks):
// the packet guard makes one socket write of it (one TLS record, one system call), and the
// in-process link to the gateway one push (the hub's client parses it once).
// Over TLS writes go out in records of at most TLS_RECORD_BYTES, one after the other
// (hub/broker/tls-records.ts): a large packet in pieces, a write of TLS_WHOLE_WRITE_BYTES or
// more whole (a burst joined: guarded-tls-socket.test.ts).
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { duplexPair } from '../../../hub/broker/local-link.js';
import { PacketGuard } from '../../../hub/broker/packet-guard.js';
import { TLS_RECORD_BYTES, TLS_WHOLE_WRITE_BYTES, writeInRecords } from '../../../hub/broker/tls-records.js';

/** The socket side of a packet guard: records each write; its callback comes a turn later, as a TLS socket's. */
class RecordingSocket extends EventEmitter {
  readonly writes: Buffer[] = [];
  /** Writes made while an earlier one's callback had not come yet. */
  overlapped = 0;
  private pending = 0;
  writableLength = 0;
  write(b: Buffer, cb?: (err?: Error | null) => void): boolean {
    this.writes.push(Buffer.from(b));
    if (this.pending > 0) this.overlapped++;
    this.pending++;
    setImmediate(() => {
      this.pending--;
      cb?.();
    });
    return true;
  }
  pause(): void {}
  resume(): void {}
  destroy(): void {}
  end(cb?: () => void): void {
    cb?.();
  }
}

const puback = { cmd: 'puback', messageId: 4242 } as const;
const publish = {
  cmd: 'publish',
  topic: 'drover/v1/nodes/n1/lease',
  payload: Buffer.from('{"v":1,"seq":1,"time":1}'),
  qos: 1,
  messageId: 7,
  retain: false,
  dup: false,
} as const;

test('the packet guard writes a PUBACK to its socket in one write', async () => {
  const socket = new RecordingSocket();
  const guard = new PacketGuard(socket as unknown as net.Socket, 1024, 1 << 20);
  mqttPacket.writeToStream(puback, guard);
  await new Promise((r) => setImmediate(r));
  assert.is(socket.writes.length, 1, 'one write');
  assert.equal(socket.writes[0], mqttPacket.generate(puback));
});

test('a large packet goes out in records, each after the last one left', async () => {
  const socket = new RecordingSocket();
  const desired = { ...publish, topic: 'drover/v1/nodes/n1/desired', payload: Buffer.alloc(5_000, 0x7b) };
  const bytes = mqttPacket.generate(desired);
  await new Promise<void>((r) => writeInRecords(socket, bytes, TLS_RECORD_BYTES, () => r()));
  assert.ok(socket.writes.length >= 6, `${socket.writes.length} writes`);
  for (const w of socket.writes) assert.ok(w.length <= TLS_RECORD_BYTES, `a write of ${w.length} bytes`);
  assert.is(socket.overlapped, 0, 'no write before the last one left');
  assert.equal(Buffer.concat(socket.writes), bytes);
});

test('a write of TLS_WHOLE_WRITE_BYTES or more goes out whole', async () => {
  const socket = new RecordingSocket();
  const bundle = Buffer.alloc(TLS_WHOLE_WRITE_BYTES, 0x42);
  await new Promise<void>((r) => writeInRecords(socket, bundle, TLS_RECORD_BYTES, () => r()));
  assert.is(socket.writes.length, 1);
  assert.equal(socket.writes[0], bundle);
});

test('the in-process link hands over a PUBLISH as one chunk', async () => {
  const [hub, broker] = duplexPair();
  const chunks: Buffer[] = [];
  hub.on('data', (c: Buffer) => chunks.push(c));
  mqttPacket.writeToStream(publish, broker);
  await new Promise((r) => setImmediate(r));
  assert.is(chunks.length, 1, 'one chunk');
  assert.equal(chunks[0], mqttPacket.generate(publish));
});

test.run();
