// The benchmark's server TLSSocket over a JS relay (bench/lib/tls-js-relay.ts) behaves as one
// straight over the socket: bytes both ways (including what the socket had buffered before it
// was wrapped, as the broker's first-bytes check leaves it), the socket's addresses, a write that
// the client does not read stays pending (backpressure), a failed handshake is an error and a
// close, and a close from either end (or of the raw socket, the CONNECT deadline's way) closes
// the other.

import net from 'node:net';
import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureServingCert, loadOrCreateCa, localSans } from '../../hub/auth/pki.js';
import { serverTlsSocketThroughJs } from '../../bench/lib/tls-js-relay.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

let secureContext: tls.SecureContext;
let server: net.Server;
let port = 0;
/** Each accepted connection: the raw socket and the TLSSocket over it. */
const accepted: { raw: net.Socket; s: tls.TLSSocket; errors: Error[]; secure: Promise<void> }[] = [];

test.before(async () => {
  const dir = tempDir();
  const ca = await loadOrCreateCa(dir);
  const cert = await ensureServingCert(ca, dir, localSans());
  secureContext = tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem });
  server = net.createServer((raw) => {
    // As the broker: wait for the first bytes, leave them buffered, then wrap.
    const onReadable = () => {
      raw.off('readable', onReadable);
      const s = serverTlsSocketThroughJs(raw, secureContext);
      const secure = new Promise<void>((r) => s.once('secure', () => r()));
      const entry = { raw, s, errors: [] as Error[], secure };
      s.on('error', (e) => entry.errors.push(e));
      accepted.push(entry);
    };
    raw.on('readable', onReadable);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as net.AddressInfo).port;
});

test.after(async () => {
  for (const a of accepted) a.raw.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  cleanupTempDirs();
});

async function connect(): Promise<{ c: tls.TLSSocket; s: tls.TLSSocket; raw: net.Socket; errors: Error[] }> {
  const n = accepted.length;
  const c = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const c = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(c));
    c.once('error', reject);
  });
  const a = await waitFor(() => accepted[n], { what: 'the server side of the connection' });
  await a.secure;
  return { c, ...a };
}

const closed = (s: net.Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));

test('bytes both ways, the buffered first flight included, and the socket addresses', async () => {
  const { c, s, raw } = await connect();
  assert.is(s.remoteAddress, raw.remoteAddress);
  assert.is(s.remotePort, raw.remotePort);
  assert.is(s.localPort, port);
  const big = Buffer.alloc(300_000, 7);
  const got: Buffer[] = [];
  s.on('data', (d: Buffer) => {
    got.push(d);
    if (Buffer.concat(got).length === big.length) s.write(Buffer.from('done'));
  });
  c.write(big);
  const reply = await new Promise<string>((r) => c.once('data', (d: Buffer) => r(d.toString())));
  assert.is(reply, 'done');
  assert.ok(Buffer.concat(got).equals(big));
  c.destroy();
  await closed(s);
});

test('a client that does not read: the server write stays pending', async () => {
  const { c, s } = await connect();
  c.pause();
  const chunk = Buffer.alloc(1 << 20, 1);
  let finished = false;
  for (let i = 0; i < 16; i++) s.write(chunk);
  s.write(Buffer.alloc(1), () => {
    finished = true;
  });
  await waitFor(() => s.writableNeedDrain, { what: 'the server socket reports backpressure' });
  assert.ok(s.writableLength > 1 << 20, `writableLength ${s.writableLength}`);
  assert.not.ok(finished);
  let read = 0;
  c.on('data', (d: Buffer) => {
    read += d.length;
  });
  c.resume();
  await waitFor(() => finished, { what: 'the writes done once the client reads', timeoutMs: 30_000 });
  assert.ok(read > 0);
  c.destroy();
  await closed(s);
});

test('the client ends: the server side ends and closes', async () => {
  const { c, s } = await connect();
  const ended = new Promise<void>((r) => s.once('end', () => r()));
  s.resume();
  c.end();
  await ended;
  await closed(s);
  await closed(c);
});

test('the server destroys the TLSSocket: the raw socket and the client close', async () => {
  const { c, s, raw } = await connect();
  s.destroy();
  await closed(raw);
  await closed(c);
});

test('the raw socket destroyed (the CONNECT deadline): the TLSSocket closes', async () => {
  const { c, s, raw } = await connect();
  raw.destroy();
  await closed(s);
  await closed(c);
});

test('a client that does not speak TLS: an error on the TLSSocket, and it closes', async () => {
  const n = accepted.length;
  const c = net.connect(port, '127.0.0.1');
  c.on('error', () => {});
  c.write('GET / HTTP/1.1\r\n\r\n');
  const a = await waitFor(() => accepted[n], { what: 'the server side of the connection' });
  await closed(a.s);
  assert.ok(a.errors.length > 0, 'a handshake error');
  await closed(a.raw);
  c.destroy();
});

test.run();
