// A packet that mqtt-packet writes in pieces under a cork reaches the other side as one chunk
// (without writev: a PUBACK was 3 socket writes, a PUBLISH to the gateway 6 chunks):
// the packet guard makes one socket write of it (one TLS record, one system call), and the
// in-process link to the gateway one push (the hub's client parses it once).
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import mqttPacket from 'mqtt-packet';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { duplexPair } from '../../../hub/broker/local-link.js';
import { PacketGuard } from '../../../hub/broker/packet-guard.js';

/** The socket side of a packet guard: records each write. */
class RecordingSocket extends EventEmitter {
  readonly writes: Buffer[] = [];
  writableLength = 0;
  write(b: Buffer): boolean {
    this.writes.push(Buffer.from(b));
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
