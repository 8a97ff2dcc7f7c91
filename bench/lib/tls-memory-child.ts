// One side of the connection-memory benchmark (bench/tls-connection-memory.ts), by argv:
//   server <transport> <connections> <certPem file> <keyPem file> <reply bytes>: accepts the
//     way the broker does (net.Server; the first bytes read into the socket's buffer, then TLS
//     by a TLSSocket over the accepted socket, hub/broker/broker.ts; tls-at-accept: a TLSSocket
//     at once; tls-js: over a JS relay, bench/lib/tls-js-relay.ts; tls-records: as tls, the replies written in
//     records as the broker writes to a board, hub/broker/tls-records.ts; plain: no TLS), reads
//     what each client sends, and prints its memory as JSON before and after all are connected;
//     then, when the parent sends { trafficMs }, answers every chunk it reads with a reply of
//     that many bytes for that long and prints its CPU time, the bytes read and its memory after;
//   clients <transport> <port> <connections> <message bytes>: opens them one after another,
//     writes a few bytes on each (both sides' record buffers in use, as an MQTT CONNECT/CONNACK
//     does) and holds them; on the parent's 'traffic' message each connection writes one
//     message a second, the connections spread over the second.

import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { TLS_RECORD_BYTES, writeInRecords } from '../../hub/broker/tls-records.js';
import { serverTlsSocketThroughJs } from './tls-js-relay.js';

/** After the last connection, before the reading (buffers settle, GC), ms. */
const SETTLE_MS = 2000;
const [role, transport, a, b, c, d] = process.argv.slice(2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ConnMemory {
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
}

/** The server's reading over the traffic phase. */
export interface TrafficReading {
  cpuMs: number;
  bytesRead: number;
  memory: ConnMemory;
}

function memory(): ConnMemory {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, externalBytes: m.external };
}

const nextMessage = () =>
  new Promise<Record<string, unknown>>((r) =>
    process.once('message', (m) => r(m as Record<string, unknown>)),
  );

async function server(count: number, certFile: string, keyFile: string, replyBytes: number): Promise<void> {
  const reply = Buffer.alloc(replyBytes, 0x61);
  const secureContext = tls.createSecureContext({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
  const held: net.Socket[] = [];
  let ready = 0;
  let replying = false;
  let bytesRead = 0;
  const wrap = (raw: net.Socket): net.Socket =>
    transport === 'tls' || transport === 'tls-at-accept' || transport === 'tls-records'
      ? new tls.TLSSocket(raw, { isServer: true, secureContext })
      : transport === 'tls-js'
        ? serverTlsSocketThroughJs(raw, secureContext)
        : raw;
  const serve = (s: net.Socket) => {
    s.on('error', () => {});
    s.once('data', () => ready++);
    s.on('data', (chunk: Buffer) => {
      if (!replying) return;
      bytesRead += chunk.length;
      if (transport === 'tls-records') writeInRecords(s, reply, TLS_RECORD_BYTES, () => {});
      else s.write(reply);
    });
    held.push(s);
  };
  const srv = net.createServer((raw) => {
    if (transport === 'tls-at-accept') return serve(wrap(raw));
    // As the broker: the first bytes (a ClientHello) are read into the socket's JS buffer before
    // the TLSSocket takes it, which then feeds them to TLS at their own size.
    const onFirstBytes = () => {
      raw.off('readable', onFirstBytes);
      serve(wrap(raw));
    };
    raw.on('readable', onFirstBytes);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const before = memory();
  process.stdout.write(`${JSON.stringify({ port: (srv.address() as net.AddressInfo).port })}\n`);
  while (ready < count) await sleep(100);
  await sleep(SETTLE_MS);
  process.stdout.write(`${JSON.stringify({ before, after: memory(), connections: held.length })}\n`);
  const { trafficMs } = (await nextMessage()) as { trafficMs: number };
  replying = true;
  const cpu = process.cpuUsage();
  await sleep(trafficMs);
  const used = process.cpuUsage(cpu);
  replying = false;
  const reading: TrafficReading = { cpuMs: (used.user + used.system) / 1000, bytesRead, memory: memory() };
  process.stdout.write(`${JSON.stringify(reading)}\n`);
}

async function clients(port: number, count: number, messageBytes: number): Promise<void> {
  const held: net.Socket[] = [];
  for (let i = 0; i < count; i++) {
    const s = await new Promise<net.Socket>((resolve, reject) => {
      const c =
        transport === 'plain'
          ? net.connect(port, '127.0.0.1', () => resolve(c))
          : tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(c));
      c.once('error', reject);
    });
    s.write('hello');
    s.resume(); // replies are read and dropped
    held.push(s);
  }
  await nextMessage();
  const message = Buffer.alloc(messageBytes, 0x62);
  held.forEach((s, i) => {
    setTimeout(() => setInterval(() => s.write(message), 1000), Math.floor((i * 1000) / count));
  });
  setInterval(() => {}, 60_000); // held until killed
}

if (role === 'server') await server(Number(a), b ?? '', c ?? '', Number(d));
else if (role === 'clients') await clients(Number(a), Number(b), Number(c));
