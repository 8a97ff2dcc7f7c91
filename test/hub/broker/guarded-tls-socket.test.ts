// GuardedTlsSocket, between a real TLS client and an accepted socket: it completes the
// handshake and keeps no 'connect' listener on the accepted socket; a packet over the limit
// closes the connection; what goes out leaves in records of at most TLS_RECORD_BYTES (a burst
// joined, a large write split); a client that does not read is cut off at the queue limit.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import mqttPacket from 'mqtt-packet';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadOrCreateCa, localSans } from '../../../hub/auth/pki.js';
import { GuardedTlsSocket } from '../../../hub/broker/guarded-tls-socket.js';
import { PacketTooLargeError, QueueLimitError } from '../../../hub/broker/packet-guard.js';
import { TLS_RECORD_BYTES } from '../../../hub/broker/tls-records.js';
import { waitFor } from '../../helpers/wait.js';

interface Pair {
  server: GuardedTlsSocket;
  raw: net.Socket;
  client: tls.TLSSocket;
  close(): Promise<void>;
}

let dir = '';
let ca = '';
let secureContext: tls.SecureContext;

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'guarded-tls-'));
  const hubCa = await loadOrCreateCa(join(dir, 'ca'));
  const cert = await hubCa.issueServingCert(localSans());
  ca = hubCa.certPem;
  secureContext = tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem });
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A TLS client connected to a GuardedTlsSocket (packet limit maxPacket, queue maxQueued). */
async function pair(maxPacket: number, maxQueued: number): Promise<Pair> {
  let made: ((p: { server: GuardedTlsSocket; raw: net.Socket }) => void) | undefined;
  const accepted = new Promise<{ server: GuardedTlsSocket; raw: net.Socket }>((r) => {
    made = r;
  });
  const srv = net.createServer((raw) => {
    const server = new GuardedTlsSocket(raw, secureContext, maxPacket, maxQueued, TLS_RECORD_BYTES);
    server.on('error', () => {});
    server.once('secure', () => made?.({ server, raw }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  const client = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const c = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => resolve(c));
    c.once('error', reject);
  });
  client.on('error', () => {});
  const { server, raw } = await accepted;
  return {
    server,
    raw,
    client,
    close: async () => {
      client.destroy();
      server.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

test('handshake completes; the accepted socket keeps no connect listener', async () => {
  const p = await pair(1024, 1 << 20);
  try {
    assert.is(p.raw.listenerCount('connect'), 0);
    const got = new Promise<Buffer>((r) => p.server.once('data', r));
    const connect = mqttPacket.generate({
      cmd: 'connect',
      clientId: 'c1',
      protocolVersion: 4,
    } as mqttPacket.IConnectPacket);
    p.client.write(connect);
    assert.equal(await got, connect, 'a packet under the limit reaches the reader');
  } finally {
    await p.close();
  }
});

test('a packet declared over the limit closes the connection', async () => {
  const p = await pair(1024, 1 << 20);
  try {
    const err = new Promise<Error>((r) => p.server.once('error', r));
    const big = mqttPacket.generate({
      cmd: 'publish',
      topic: 't',
      payload: Buffer.alloc(4096),
      qos: 0,
      retain: false,
      dup: false,
    });
    p.client.write(big.subarray(0, 8)); // the header declares it
    const e = await err;
    assert.instance(e, PacketTooLargeError);
    assert.ok(p.server.destroyed);
  } finally {
    await p.close();
  }
});

test('a large write and a burst leave in records of at most TLS_RECORD_BYTES', async () => {
  const p = await pair(1024, 1 << 20);
  try {
    const chunks: Buffer[] = [];
    p.client.on('data', (c: Buffer) => chunks.push(c));
    const large = Buffer.alloc(5_000, 0x7b);
    const acks = Array.from({ length: 400 }, (_, i) =>
      mqttPacket.generate({ cmd: 'puback', messageId: i + 1 }),
    );
    const want = Buffer.concat([large, ...acks]);
    p.server.write(large);
    for (const a of acks) p.server.write(a);
    await new Promise<void>((r) => p.server.write(Buffer.alloc(0), () => r()));
    await waitFor(() => Buffer.concat(chunks).length >= want.length, {
      what: 'every byte read',
      timeoutMs: 5_000,
      intervalMs: 10,
    });
    assert.equal(Buffer.concat(chunks), want);
    for (const c of chunks) assert.ok(c.length <= TLS_RECORD_BYTES, `a record of ${c.length} bytes`);
    assert.ok(chunks.length < 20, `${chunks.length} records: the 400 PUBACKs joined`);
  } finally {
    await p.close();
  }
});

test('a client that does not read is cut off at the queue limit', async () => {
  const p = await pair(1024, 4 * 1024 * 1024);
  try {
    p.client.pause();
    const err = new Promise<Error>((r) => p.server.once('error', r));
    const chunk = Buffer.alloc(256 * 1024);
    for (let i = 0; i < 64 && !p.server.destroyed; i++) p.server.write(chunk);
    assert.instance(await err, QueueLimitError);
  } finally {
    await p.close();
  }
});

test.run();
