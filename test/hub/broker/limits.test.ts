// Broker limits against a real hub and real sockets, played by the attacker: a board with its
// own credential (mqtt.js) and anonymous sockets. Each is cut off, counted, and the hub keeps
// serving everyone else.
import net from 'node:net';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PacketGuard, PacketTooLargeError, QueueLimitError } from '../../../hub/broker/packet-guard.js';
import { MAX_BUFFERED_CHARS, RpcAbortedError, RpcClient } from '../../../hub/gateway/rpc.js';
import type { Hub } from '../../../hub/hub.js';
import { createLogger } from '../../../shared/log.js';
import { topics } from '../../../shared/mqtt/topics.js';
import { encode, type PodStatusReport } from '../../../shared/protocol/messages.js';
import { waitFor } from '../controllers/wait.js';
import { connectNode, join, sendHeartbeat, sendStatus, tempDir, testHub } from '../gateway/harness.js';

const NODE = 'board-l';
const CONNECT_TIMEOUT_MS = 500;
let dir: ReturnType<typeof tempDir>;
let hub: Hub;
let password: string;
let board: MqttClient;

test.before(async () => {
  dir = tempDir();
  // Raw MQTT bytes go to the plain listener; the MQTTS one puts the same guard behind TLS.
  hub = await testHub(dir.path, { mqttConnectTimeoutMs: CONNECT_TIMEOUT_MS, mqttPlainPort: 0 });
  password = (await join(hub, NODE)).password!;
  board = await connectNode(hub, NODE, password);
});

test.after(async () => {
  await board.endAsync(true);
  await hub.stop();
  dir.cleanup();
});

const port = () => Number(new URL(hub.mqttPlainUrl!).port);

/** A raw socket to the broker; resolves when the broker has closed it. */
function rawSocket(send: (s: net.Socket) => void): Promise<{ bytesWritten: number }> {
  return new Promise((resolve) => {
    const s = net.connect(port(), '127.0.0.1', () => send(s));
    s.on('error', () => {});
    s.on('close', () => resolve({ bytesWritten: s.bytesWritten }));
  });
}

/** MQTT remaining-length varint. */
function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

test('a CONNECT declaring 40 MiB is cut off at its header, not buffered', async () => {
  const before = hub.broker!.limitStats().oversized;
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const r = await rawSocket((s) => {
    s.write(Buffer.concat([Buffer.from([0x10]), varint(40 * 1024 * 1024)]));
    const pump = () => {
      while (!s.destroyed && s.write(chunk));
    };
    s.on('drain', pump);
    pump();
  });
  assert.ok(r.bytesWritten < 40 * 1024 * 1024, `closed after ${r.bytesWritten} bytes`);
  assert.is(hub.broker!.limitStats().oversized, before + 1);
});

test('a socket that never completes its CONNECT is closed at the deadline', async () => {
  const t0 = Date.now();
  await rawSocket((s) => s.write(Buffer.from([0x10, 0x20, 0x00]))); // CONNECT of 32 bytes, 1 sent
  assert.ok(Date.now() - t0 < CONNECT_TIMEOUT_MS * 10, 'closed by the broker, not by the test');
});

test('a publish above the packet limit from an authenticated board drops its connection only', async () => {
  const before = hub.broker!.limitStats().oversized;
  const liar = await connectNode(hub, NODE, password, { clientId: `node-${NODE}`, reconnectPeriod: 0 });
  const closed = new Promise<void>((r) => liar.once('close', () => r()));
  liar.publish(topics.status(NODE), Buffer.alloc(4 * 1024 * 1024, 0x20), { qos: 0 });
  await closed;
  await liar.endAsync(true);
  assert.is(hub.broker!.limitStats().oversized, before + 1);
  // The board comes back with its credential and is served as before.
  board = await connectNode(hub, NODE, password);
  const seen = hub.leases.lastSeen(NODE) ?? 0;
  await sendHeartbeat(board, NODE);
  await waitFor('heartbeat after reconnect', () => (hub.leases.lastSeen(NODE) ?? 0) > seen);
});

test("a board's retained messages are not retained, its reports still delivered", async () => {
  await sendStatus(board, NODE);
  const retained = hub.broker!.retained();
  const cleared = hub.broker!.limitStats().retainCleared;
  const received = hub.gateway.stats.received;
  const big = 'x'.repeat(16 * 1024);
  const N = 100;
  await Promise.all(
    Array.from({ length: N }, (_, i) =>
      board.publishAsync(
        topics.podStatus(NODE, 'default', `p${i}`),
        encode<PodStatusReport>({ uid: `u${i}`, status: { phase: 'Running', message: big } }),
        { qos: 1, retain: true },
      ),
    ),
  );
  assert.is(hub.broker!.limitStats().retainCleared, cleared + N);
  await waitFor('the reports reached the gateway', () => hub.gateway.stats.received >= received + N);
  assert.is(hub.broker!.retained(), retained, 'nothing retained');
});

// The guard on its own, between two real sockets: a client that stops reading is cut off
// when what waits for it passes the queue limit.
test('a client that does not read is disconnected at the queued-bytes limit', async () => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  client.pause(); // never reads
  const guard = new PacketGuard(await accepted, 1024, 4 * 1024 * 1024);
  const err = new Promise<Error>((r) => guard.once('error', r));
  const chunk = Buffer.alloc(256 * 1024);
  for (let i = 0; i < 64 && !guard.destroyed; i++) guard.write(chunk);
  assert.instance(await err, QueueLimitError);
  client.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  assert.ok(PacketTooLargeError); // the other failure mode is covered against the hub above
});

test('a logs call holding out-of-order chunks fails at its bytes cap', async () => {
  const rpc = new RpcClient({ publish: async () => {}, log: createLogger('test', 40) });
  const call = rpc.call(NODE, 'logs', {}, { onData: () => {}, onEnd: () => {} });
  const chunk = 'y'.repeat(1024 * 1024);
  for (let seq = 1; seq <= Math.ceil(MAX_BUFFERED_CHARS / chunk.length) + 1; seq++)
    rpc.onResponse(NODE, call.id, { v: 1, seq, done: false, data: chunk });
  try {
    await call.ready;
    assert.unreachable('the call must fail');
  } catch (e) {
    assert.instance(e, RpcAbortedError);
  }
  assert.is(rpc.open, 0, 'nothing held');
  rpc.close();
});

test.run();
