// serverTlsSocket: the TLS socket over an accepted connection completes its handshake and
// leaves no 'connect' listener on the accepted socket (it would stay for the connection's life).
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadOrCreateCa, localSans } from '../../../hub/auth/pki.js';
import { serverTlsSocket } from '../../../hub/broker/tls-accept.js';

test('handshake completes; the accepted socket keeps no connect listener', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tls-accept-'));
  const ca = await loadOrCreateCa(join(dir, 'ca'));
  const cert = await ca.issueServingCert(localSans());
  const secureContext = tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem });
  let connectListeners = -1;
  const server = net.createServer((raw) => {
    const s = serverTlsSocket(raw, secureContext);
    connectListeners = raw.listenerCount('connect');
    s.on('data', (d) => s.end(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const echoed = await new Promise<string>((resolve, reject) => {
      const c = tls.connect({ host: '127.0.0.1', port, ca: ca.certPem, servername: 'localhost' }, () =>
        c.write('hello'),
      );
      c.on('data', (d) => resolve(d.toString()));
      c.on('error', reject);
    });
    assert.is(echoed, 'hello');
    assert.is(connectListeners, 0);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
