// CA pinning at first contact, against TLS servers this test controls, with the real agent
// (`drover agent`, a child process) and the hub's own PKI code for the certificates. The
// servers record every byte that arrives after the handshake: with a wrong pin, none may.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureServingCert, loadOrCreateCa, localSans } from '../../hub/auth/pki.js';
import { caCertHash } from '../../shared/tls/ca-hash.js';
import { killAll, spawnDrover } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const TOKEN = 'abcdef.0123456789abcdef';

interface Recorder {
  url: string;
  /** TCP connections accepted (with or without a completed handshake). */
  connections(): number;
  /** Bytes received after a completed handshake, per connection. */
  received: Buffer[];
  close(): Promise<void>;
}

/** A TLS server presenting `chain` that records what clients send and answers nothing. */
async function recordingServer(certPem: string, keyPem: string): Promise<Recorder> {
  const received: Buffer[] = [];
  const server = tls.createServer({ cert: certPem, key: keyPem }, (s) => {
    const i = received.push(Buffer.alloc(0)) - 1;
    s.on('data', (d: Buffer) => {
      received[i] = Buffer.concat([received[i]!, d]);
    });
    s.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtts://127.0.0.1:${port}`,
    connections: () => connections,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A CA in a fresh dir and a serving certificate chain (leaf + CA) for this host. */
async function pki() {
  const dir = tempDir('drover-pin-pki-');
  const ca = await loadOrCreateCa(dir);
  const leaf = await ensureServingCert(ca, dir, localSans());
  return { ca, chain: `${leaf.certPem.trim()}\n${ca.certPem.trim()}\n`, keyPem: leaf.keyPem };
}

test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

function agent(url: string, caHash: string, dataDir: string) {
  return spawnDrover([
    'agent',
    '--hub',
    url,
    '--token',
    TOKEN,
    '--ca-hash',
    caHash,
    '--name',
    'pin-1',
    '--data-dir',
    dataDir,
    '--docker-socket',
    '/nonexistent/docker.sock',
    '--join-timeout',
    '2s',
  ]);
}

test('a wrong --ca-hash: the agent refuses with a clear error and never sends its token', async () => {
  const hubPki = await pki();
  const impostor = await pki(); // another CA: a server that is not our hub
  const server = await recordingServer(impostor.chain, impostor.keyPem);
  const dataDir = tempDir('drover-pin-agent-');
  try {
    const a = agent(server.url, hubPki.ca.hash, dataDir);
    assert.is(await a.exited, 1, a.output());
    assert.match(a.output(), /presented no CA matching --ca-hash/);
    assert.match(a.output(), /refusing to send the bootstrap token/);
    assert.ok(server.connections() >= 1, 'the agent did reach the server');
    assert.is(Buffer.concat(server.received).length, 0, 'not a byte after the handshake');
    assert.not.ok(existsSync(join(dataDir, 'hub-ca.crt')), 'the impostor CA is not stored');
  } finally {
    await server.close();
  }
});

test('the right pin: the CA is stored 0600 and the join goes over a connection verified with it', async () => {
  const hub = await pki();
  const server = await recordingServer(hub.chain, hub.keyPem);
  const dataDir = tempDir('drover-pin-agent-');
  try {
    const a = agent(server.url, hub.ca.hash, dataDir);
    const stored = join(dataDir, 'hub-ca.crt');
    // This server never answers MQTT: wait until the agent's CONNECT (with the token) arrives.
    const deadline = Date.now() + 15_000;
    while (!Buffer.concat(server.received).includes(TOKEN) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(Buffer.concat(server.received).includes(TOKEN), a.output());
    assert.is(caCertHash(readFileSync(stored, 'utf8')), hub.ca.hash);
    assert.is(statSync(stored).mode & 0o777, 0o600);
    await a.stop();
  } finally {
    await server.close();
  }
});

test.run();
