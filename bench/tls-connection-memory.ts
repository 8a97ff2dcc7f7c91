// What one idle board connection costs the hub's process, plain TCP against TLS (issue #13 item 4,
// issue #21's hub RSS goal): a server child accepting the way the broker does (a TLSSocket over
// the accepted socket, the hub's own P-256 serving certificate) holds N connections from a client
// child, each having sent a few bytes; the server's RSS, heap and external memory per connection,
// from before the first to after the last (with a GC). No MQTT: the part Node and OpenSSL hold.
// Node sets SSL_MODE_RELEASE_BUFFERS itself; what a connection keeps is mostly Node's 64 KiB
// first block of encrypted input and OpenSSL's session state (docs/architecture.md, hub memory).
// Run alone: node dist/bench/tls-connection-memory.js [--connections 2000]

import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ensureServingCert, loadOrCreateCa, localSans } from '../hub/auth/pki.js';
import { BenchArgs } from './lib/args.js';
import { BenchReport } from './lib/report.js';
import type { ConnMemory } from './lib/tls-memory-child.js';

const CHILD = fileURLToPath(new URL('./lib/tls-memory-child.js', import.meta.url));
const args = new BenchArgs();
const CONNECTIONS = args.number('connections', 2_000);
const TIMEOUT_MS = 120_000; // per transport

const report = new BenchReport(
  'tls-connection-memory',
  'Hub memory per board connection, plain TCP vs TLS',
  'npm run bench -- tls-connection-memory',
  { connections: CONNECTIONS },
);
const kib = (b: number) => b / 1024;
const ANCHOR = {
  anchor: "OpenSSL: SSL_MODE_RELEASE_BUFFERS 'can save around 34k per idle SSL connection'",
  goal: '',
};

/** Lines of JSON from a child's stdout, one at a time. */
function jsonLines(child: ChildProcess): () => Promise<Record<string, unknown>> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  return async () => {
    const next = await lines.next();
    if (next.done) throw new Error('child ended without an answer');
    return JSON.parse(next.value as string) as Record<string, unknown>;
  };
}

async function measure(transport: 'plain' | 'tls', certFile: string, keyFile: string) {
  const server = fork(CHILD, ['server', transport, String(CONNECTIONS), certFile, keyFile], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let clients: ChildProcess | undefined;
  const timer = setTimeout(() => server.kill('SIGKILL'), TIMEOUT_MS);
  try {
    const next = jsonLines(server);
    const { port } = (await next()) as { port: number };
    clients = fork(CHILD, ['clients', transport, String(port), String(CONNECTIONS)], { stdio: 'inherit' });
    const { before, after } = (await next()) as { before: ConnMemory; after: ConnMemory };
    const per = (k: keyof ConnMemory) => kib((after[k] - before[k]) / CONNECTIONS);
    return { rss: per('rssBytes'), heap: per('heapUsedBytes'), external: per('externalBytes') };
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
  const plain = await measure('plain', certFile, keyFile);
  const tlsConn = await measure('tls', certFile, keyFile);
  const note = (m: typeof plain) =>
    `${m.heap.toFixed(1)} KiB of it V8 heap, ${m.external.toFixed(1)} KiB external; ${CONNECTIONS} connections`;
  report.add('server RSS per idle plain TCP connection', plain.rss, 'KiB', ANCHOR, { note: note(plain) });
  report.add('server RSS per idle TLS connection', tlsConn.rss, 'KiB', ANCHOR, {
    note: `${note(tlsConn)}; TLS adds ${(tlsConn.rss - plain.rss).toFixed(1)} KiB per board, ${(((tlsConn.rss - plain.rss) * 10_000) / 1024).toFixed(0)} MiB at 10,000 boards`,
  });
  report.write();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
