// MQTTS and the serving certificate over time, on a real hub: a renewal (forced with an
// injected clock: "now" a year on, inside the 30-day window) reaches new MQTTS and HTTPS
// connections while boards already connected stay connected and keep publishing; an operator's
// --tls-cert serves the API while MQTTS keeps the hub-CA certificate that boards pin.

import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join as pathJoin } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fetchPinnedCa } from '../../../agent/ca-pin.js';
import { loadOrCreateCa, localSans } from '../../../hub/auth/pki.js';
import { connectNode, join, sendStatus, tempDir, testHub } from '../gateway/harness.js';

const DAY_MS = 86_400_000;

/** The leaf certificate a new TLS connection to url is shown (fingerprint), verified against ca when given. */
function presented(url: string, ca?: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = tlsConnect({
      host: u.hostname,
      port: Number(u.port),
      ...(ca ? { ca } : { rejectUnauthorized: false }),
    });
    s.once('secureConnect', () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.destroy();
    });
    s.once('error', reject);
  });
}

const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256;

test('a renewed certificate serves new MQTTS and HTTPS connections; connected boards stay', async () => {
  const dir = tempDir();
  const hub = await testHub(dir.path);
  try {
    const res = await join(hub, 'rot-a');
    const board = await connectNode(hub, 'rot-a', res.password!);
    let closed = 0;
    board.on('close', () => closed++);
    await sendStatus(board, 'rot-a');
    const before = hub.tls.managed().certPem;
    assert.is(await presented(hub.mqttUrl, hub.caPem), fingerprintOf(before));

    assert.ok(await hub.tls.check(Date.now() + 360 * DAY_MS), 'renewed inside the 30-day window');
    const after = hub.tls.managed().certPem;
    assert.is.not(fingerprintOf(after), fingerprintOf(before));

    // New connections are shown the new certificate, which the pinned CA verifies.
    assert.is(await presented(hub.mqttUrl, hub.caPem), fingerprintOf(after), 'MQTTS');
    assert.is(await presented(hub.apiUrl, hub.caPem), fingerprintOf(after), 'HTTPS');
    const res2 = await join(hub, 'rot-b');
    const newcomer = await connectNode(hub, 'rot-b', res2.password!);
    await newcomer.endAsync(true);

    // The board connected before the renewal is the same connection and still heard (QoS 1 acked).
    await sendStatus(board, 'rot-a');
    assert.ok(board.connected, 'still connected');
    assert.is(closed, 0, 'never dropped');
    assert.ok(hub.broker?.isConnected('node-rot-a'), 'the broker still holds its session');
    await board.endAsync(true);
  } finally {
    await hub.stop();
    dir.cleanup();
  }
});

test("an operator's --tls-cert serves the API; MQTTS keeps the hub-CA certificate boards pin", async () => {
  const dir = tempDir();
  const own = await loadOrCreateCa(pathJoin(dir.path, 'operator-ca'));
  const cert = await own.issueServingCert(localSans());
  const certFile = pathJoin(dir.path, 'op.crt');
  const keyFile = pathJoin(dir.path, 'op.key');
  writeFileSync(certFile, cert.certPem);
  writeFileSync(keyFile, cert.keyPem);
  const hub = await testHub(pathJoin(dir.path, 'hub'), { tlsCertFile: certFile, tlsKeyFile: keyFile });
  try {
    assert.is(
      await presented(hub.apiUrl, own.certPem),
      fingerprintOf(cert.certPem),
      'API: the operator cert',
    );
    assert.is(await presented(hub.mqttUrl, hub.caPem), fingerprintOf(hub.tls.managed().certPem), 'MQTTS');
    // A board's first contact finds the CA of its join line and joins over it.
    const u = new URL(hub.mqttUrl);
    const pinned = await fetchPinnedCa({
      host: u.hostname,
      port: Number(u.port),
      caHash: hub.caHash,
      timeoutMs: 5000,
    });
    assert.is(fingerprintOf(pinned), fingerprintOf(hub.caPem));
    const res = await join(hub, 'op-a');
    const board = await connectNode(hub, 'op-a', res.password!);
    await board.endAsync(true);
    // Renewal swaps the MQTTS certificate, never the operator's.
    assert.ok(await hub.tls.check(Date.now() + 360 * DAY_MS));
    assert.is(await presented(hub.apiUrl, own.certPem), fingerprintOf(cert.certPem), 'API after renewal');
    assert.is(
      await presented(hub.mqttUrl, hub.caPem),
      fingerprintOf(hub.tls.managed().certPem),
      'MQTTS after',
    );
  } finally {
    await hub.stop();
    dir.cleanup();
  }
});

test.run();
