// What one board connection costs the hub's process, plain TCP against TLS (issue #13 item 4,
// issue #21's hub RSS goal): a server child accepting the way the broker does (the first bytes
// read into the socket's buffer, then a TLSSocket over the accepted socket, the hub's own P-256
// serving certificate) holds N connections from a client child, each having sent a few bytes;
// the server's RSS, heap and external memory per connection, from before the first to after the
// last (with a GC). Then traffic: each connection sends a message (200 bytes) a second and the
// server answers each read (50 bytes, --reply-bytes); its CPU time per message. No MQTT: the part Node and
// OpenSSL hold. Transports alternate, --runs times; medians. Two variants show where the memory
// goes: `tls-at-accept` (a TLSSocket at once: its first read is libuv's 64 KiB suggestion, and
// Node's NodeBIO keeps a block that large) and `tls-js` (TLS reading through a JS relay,
// bench/lib/tls-js-relay.ts: tried for the hub and not used, docs/architecture.md, hub memory);
// `tls-records` writes the answers as the broker writes to a board (hub/broker/tls-records.ts:
// records of at most 960 bytes, one at a time), which matters with --reply-bytes above ~1 KiB.
// Run alone: node dist/bench/tls-connection-memory.js [--connections 2000] [--runs 3]
//   [--transports plain,tls,tls-at-accept,tls-js,tls-records] [--traffic 10s] [--message-bytes 200]
//   [--reply-bytes 50]

import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureServingCert, loadOrCreateCa, localSans } from '../hub/auth/pki.js';
import { BenchArgError, BenchArgs } from './lib/args.js';
import { BenchReport } from './lib/report.js';
import { median } from './lib/stats.js';
import type { ConnMemory, TrafficReading } from './lib/tls-memory-child.js';

const TRANSPORTS = ['plain', 'tls', 'tls-at-accept', 'tls-js', 'tls-records'] as const;
/** Run by default; tls-records differs from tls only with replies above ~1 KiB (--reply-bytes). */
const DEFAULT_TRANSPORTS: readonly Transport[] = ['plain', 'tls', 'tls-at-accept', 'tls-js'];
type Transport = (typeof TRANSPORTS)[number];
const LABEL: Record<Transport, string> = {
  plain: 'plain TCP connection',
  tls: 'TLS connection (as the broker accepts)',
  'tls-js': 'TLS connection, read through a JS relay',
  'tls-at-accept': 'TLS connection, TLSSocket at accept',
  'tls-records': 'TLS connection, answers in records of at most 960 bytes',
};

const CHILD = fileURLToPath(new URL('./lib/tls-memory-child.js', import.meta.url));
const args = new BenchArgs();
const CONNECTIONS = args.number('connections', 2_000);
const RUNS = args.number('runs', 3);
const TRAFFIC_MS = args.durationMs('traffic', 10_000);
const MESSAGE_BYTES = args.number('message-bytes', 200);
const REPLY_BYTES = args.number('reply-bytes', 50);
const transports = args
  .string('transports', DEFAULT_TRANSPORTS.join(','))
  .split(',')
  .map((t) => {
    if (!(TRANSPORTS as readonly string[]).includes(t))
      throw new BenchArgError(`--transports: unknown transport ${t} (one of ${TRANSPORTS.join(', ')})`);
    return t as Transport;
  });
/** Traffic starts this long before its measured window: every connection is sending by then. */
const WARMUP_MS = 2_000;
const TIMEOUT_MS = 120_000 + TRAFFIC_MS; // per transport

const report = new BenchReport(
  'tls-connection-memory',
  'Hub memory per board connection, plain TCP vs TLS',
  'npm run bench -- tls-connection-memory',
  {
    connections: CONNECTIONS,
    runs: RUNS,
    trafficMs: TRAFFIC_MS,
    messageBytes: MESSAGE_BYTES,
    replyBytes: REPLY_BYTES,
  },
);
const kib = (b: number) => b / 1024;
const ANCHOR = {
  anchor: "OpenSSL: SSL_MODE_RELEASE_BUFFERS 'can save around 34k per idle SSL connection'",
  goal: '',
};
const NO_ANCHOR = { anchor: 'none published (compare the rows)', goal: '' };

/** Lines of JSON from a child's stdout, one at a time. */
function jsonLines(child: ChildProcess): () => Promise<Record<string, unknown>> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  return async () => {
    const next = await lines.next();
    if (next.done) throw new Error('child ended without an answer');
    return JSON.parse(next.value as string) as Record<string, unknown>;
  };
}

interface Measured {
  rss: number;
  heap: number;
  external: number;
  /** Server CPU per message under traffic, µs (NaN without traffic). */
  cpuUsPerMessage: number;
  /** RSS per connection after the traffic, KiB. */
  rssAfterTraffic: number;
}

async function measure(transport: Transport, certFile: string, keyFile: string): Promise<Measured> {
  const server = fork(
    CHILD,
    ['server', transport, String(CONNECTIONS), certFile, keyFile, String(REPLY_BYTES)],
    {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  let clients: ChildProcess | undefined;
  const timer = setTimeout(() => server.kill('SIGKILL'), TIMEOUT_MS);
  try {
    const next = jsonLines(server);
    const { port } = (await next()) as { port: number };
    clients = fork(CHILD, ['clients', transport, String(port), String(CONNECTIONS), String(MESSAGE_BYTES)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const { before, after } = (await next()) as { before: ConnMemory; after: ConnMemory };
    const per = (m: ConnMemory, k: keyof ConnMemory) => kib((m[k] - before[k]) / CONNECTIONS);
    const idle = {
      rss: per(after, 'rssBytes'),
      heap: per(after, 'heapUsedBytes'),
      external: per(after, 'externalBytes'),
    };
    if (TRAFFIC_MS <= 0) return { ...idle, cpuUsPerMessage: Number.NaN, rssAfterTraffic: Number.NaN };
    clients.send('traffic');
    await new Promise((r) => setTimeout(r, WARMUP_MS));
    server.send({ trafficMs: TRAFFIC_MS });
    const t = (await next()) as unknown as TrafficReading;
    const messages = t.bytesRead / MESSAGE_BYTES;
    return {
      ...idle,
      cpuUsPerMessage: messages > 0 ? (t.cpuMs * 1000) / messages : Number.NaN,
      rssAfterTraffic: per(t.memory, 'rssBytes'),
    };
  } finally {
    clearTimeout(timer);
    clients?.kill('SIGKILL');
    server.kill('SIGKILL');
  }
}

const dir = mkdtempSync(join(tmpdir(), 'drover-bench-tls-memory-'));
try {
  const ca = await loadOrCreateCa(dir);
  const cert = await ensureServingCert(ca, dir, localSans());
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, cert.certPem);
  writeFileSync(keyFile, cert.keyPem, { mode: 0o600 });
  const samples = new Map<Transport, Measured[]>(transports.map((t) => [t, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const t of run % 2 === 0 ? transports : [...transports].reverse()) {
      const m = await measure(t, certFile, keyFile);
      console.log(`   run ${run + 1} ${t}: ${JSON.stringify(m)}`);
      samples.get(t)?.push(m);
    }
  }
  const med = (t: Transport): Measured => {
    const ms = samples.get(t) ?? [];
    const of = (k: keyof Measured) => median(ms.map((m) => m[k]));
    return {
      rss: of('rss'),
      heap: of('heap'),
      external: of('external'),
      cpuUsPerMessage: of('cpuUsPerMessage'),
      rssAfterTraffic: of('rssAfterTraffic'),
    };
  };
  const plainRss = transports.includes('plain') ? med('plain').rss : Number.NaN;
  for (const t of transports) {
    const m = med(t);
    const all = (samples.get(t) ?? []).map((s) => s.rss.toFixed(1)).join(', ');
    const adds =
      t === 'plain' || Number.isNaN(plainRss)
        ? ''
        : `; TLS adds ${(m.rss - plainRss).toFixed(1)} KiB per board, ${(((m.rss - plainRss) * 10_000) / 1024).toFixed(0)} MiB at 10,000 boards`;
    report.add(`server RSS per idle ${LABEL[t]}`, m.rss, 'KiB', ANCHOR, {
      note: `median of ${RUNS} (${all}); ${m.heap.toFixed(1)} KiB of it V8 heap, ${m.external.toFixed(1)} KiB external; ${CONNECTIONS} connections${adds}`,
    });
    if (TRAFFIC_MS > 0)
      report.add(`server CPU per message, ${LABEL[t]}`, m.cpuUsPerMessage, 'µs', NO_ANCHOR, {
        note: `median of ${RUNS} (${(samples.get(t) ?? []).map((s) => s.cpuUsPerMessage.toFixed(1)).join(', ')}); ${CONNECTIONS} connections each sending ${MESSAGE_BYTES} bytes a second, a ${REPLY_BYTES}-byte answer each, over ${TRAFFIC_MS / 1000} s; RSS per connection after it ${m.rssAfterTraffic.toFixed(1)} KiB`,
      });
  }
  report.write();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
