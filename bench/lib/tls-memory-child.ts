// One side of the connection-memory benchmark (bench/tls-connection-memory.ts), by argv:
//   server <plain|tls> <connections> <certPem file> <keyPem file>: accepts the way the broker does
//     (net.Server; TLS by a TLSSocket over the accepted socket, hub/broker/broker.ts), reads what
//     each client sends, and prints its memory as JSON before and after all are connected;
//   clients <plain|tls> <port> <connections>: opens them one after another, writes a few bytes on
//     each (both sides' record buffers in use, as an MQTT CONNECT/CONNACK does) and holds them.

import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

/** After the last connection, before the reading (buffers settle, GC), ms. */
const SETTLE_MS = 2000;

const [role, transport, a, b, c] = process.argv.slice(2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ConnMemory {
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
}

function memory(): ConnMemory {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external };
}

async function server(count: number, certFile: string, keyFile: string): Promise<void> {
  const secureContext = tls.createSecureContext({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
  const held: net.Socket[] = [];
  let ready = 0;
  const srv = net.createServer((raw) => {
    const s = transport === 'tls' ? new tls.TLSSocket(raw, { isServer: true, secureContext }) : raw;
    s.on('error', () => {});
    s.once('data', () => ready++);
    held.push(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const before = memory();
  process.stdout.write(`${JSON.stringify({ port: (srv.address() as net.AddressInfo).port })}\n`);
  while (ready < count) await sleep(100);
  await sleep(SETTLE_MS);
  process.stdout.write(`${JSON.stringify({ before, after: memory(), connections: held.length })}\n`);
}

async function clients(port: number, count: number): Promise<void> {
  const held: net.Socket[] = [];
  for (let i = 0; i < count; i++) {
    const s = await new Promise<net.Socket>((resolve, reject) => {
      const c =
        transport === 'tls'
          ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(c))
          : net.connect(port, '127.0.0.1', () => resolve(c));
      c.once('error', reject);
    });
    s.write('hello');
    held.push(s);
  }
  setInterval(() => {}, 60_000); // held until killed
}

if (role === 'server') await server(Number(a), b ?? '', c ?? '');
else if (role === 'clients') await clients(Number(a), Number(b));
