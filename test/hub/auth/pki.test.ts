// The hub PKI on real files, checked by openssl and by a real TLS handshake.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  caCertHash,
  ensureServingCert,
  loadOperatorCert,
  loadOrCreateCa,
  localSans,
  PkiFileError,
  pkiPaths,
} from '../../../hub/auth/pki.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';

test.after(cleanupTempDirs);

const DAY = 86_400_000;

test('first start writes CA and serving cert 0600 in a 0700 dir; a restart reuses them', async () => {
  const dir = tempDir();
  const ca = await loadOrCreateCa(dir);
  const sans = localSans(['hub.example.net', '203.0.113.7']);
  const serving = await ensureServingCert(ca, dir, sans);
  assert.ok(serving.issued);
  const p = pkiPaths(dir);
  assert.is(statSync(p.dir).mode & 0o777, 0o700);
  for (const f of [p.caCert, p.caKey, p.servingCert, p.servingKey])
    assert.is(statSync(f).mode & 0o777, 0o600, f);

  const again = await loadOrCreateCa(dir);
  assert.is(again.hash, ca.hash);
  const servingAgain = await ensureServingCert(again, dir, sans);
  assert.not.ok(servingAgain.issued);
  assert.is(servingAgain.certPem, serving.certPem);
});

test('CA hash is kubeadm form: sha256 of the DER SubjectPublicKeyInfo (as openssl computes it)', async () => {
  const dir = tempDir();
  const ca = await loadOrCreateCa(dir);
  const spki = execFileSync('sh', [
    '-c',
    `openssl x509 -in ${pkiPaths(dir).caCert} -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex`,
  ])
    .toString()
    .trim()
    .split(/\s+/)
    .pop();
  assert.is(ca.hash, `sha256:${spki}`);
  assert.is(caCertHash(ca.certPem), ca.hash);
});

test('serving cert: openssl verifies it against the CA, it carries every SAN asked for', async () => {
  const dir = tempDir();
  const ca = await loadOrCreateCa(dir);
  await ensureServingCert(ca, dir, localSans(['hub.example.net', '203.0.113.7', '2001:db8::1']));
  const p = pkiPaths(dir);
  const out = execFileSync('openssl', [
    'verify',
    '-CAfile',
    p.caCert,
    '-purpose',
    'sslserver',
    p.servingCert,
  ]);
  assert.match(out.toString(), /OK/);
  const san = new X509Certificate(readFileSync(p.servingCert)).subjectAltName ?? '';
  for (const want of [
    'DNS:localhost',
    'DNS:hub.example.net',
    'IP Address:127.0.0.1',
    'IP Address:203.0.113.7',
  ])
    assert.ok(san.includes(want), `${want} in ${san}`);
  assert.match(san, /IP Address:2001:DB8:0:0:0:0:0:1/i);
});

test('serving cert is re-issued near expiry, for a new SAN, and when another CA signed it', async () => {
  const dir = tempDir();
  const ca = await loadOrCreateCa(dir);
  const sans = localSans();
  const first = await ensureServingCert(ca, dir, sans);
  const nearExpiry = await ensureServingCert(ca, dir, sans, first.notAfter.getTime() - 10 * DAY);
  assert.ok(nearExpiry.issued, 'near expiry');
  const withSan = await ensureServingCert(ca, dir, localSans(['new.example.net']));
  assert.ok(withSan.issued, 'new SAN');
  // A serving cert from another CA left in the dir (e.g. a copied data dir) is replaced.
  const other = await loadOrCreateCa(tempDir());
  const foreign = await other.issueServingCert(sans);
  writeFileSync(pkiPaths(dir).servingCert, foreign.certPem);
  writeFileSync(pkiPaths(dir).servingKey, foreign.keyPem);
  assert.ok((await ensureServingCert(ca, dir, sans)).issued, 'foreign CA');
});

test('real TLS: client trusts the hub CA, presents a client cert; CN = user, O = groups', async () => {
  const dir = tempDir();
  const ca = await loadOrCreateCa(dir);
  const serving = await ensureServingCert(ca, dir, localSans());
  const client = await ca.issueClientCert({ user: 'alice', groups: ['system:masters', 'dev'] });
  const server = createServer({
    cert: serving.certPem,
    key: serving.keyPem,
    ca: ca.certPem,
    requestCert: true,
    rejectUnauthorized: true,
  });
  const seen = new Promise<{ cn: unknown; o: unknown }>((resolve) =>
    server.on('secureConnection', (s: TLSSocket) => {
      const subj = s.getPeerCertificate().subject;
      resolve({ cn: subj.CN, o: subj.O });
      s.end();
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const sock = connect({ host: '127.0.0.1', port, ca: ca.certPem, cert: client.certPem, key: client.keyPem });
  await once(sock, 'secureConnect');
  const { cn, o } = await seen;
  assert.is(cn, 'alice');
  assert.equal([o].flat(), ['system:masters', 'dev']);
  sock.destroy();

  // A client that trusts another CA refuses the hub.
  const other = await loadOrCreateCa(tempDir());
  const bad = connect({ host: '127.0.0.1', port, ca: other.certPem });
  const [err] = (await once(bad, 'error')) as [Error & { code?: string }];
  assert.match(String(err.code), /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  server.close();
});

test('operator cert: loaded as is and never managed; a key that does not match is refused', async () => {
  const dir = tempDir();
  const ca = await loadOrCreateCa(dir);
  const a = await ca.issueServingCert(localSans());
  const b = await ca.issueServingCert(localSans());
  writeFileSync(join(dir, 'a.crt'), a.certPem);
  writeFileSync(join(dir, 'a.key'), a.keyPem);
  writeFileSync(join(dir, 'b.key'), b.keyPem);
  const own = await loadOperatorCert(join(dir, 'a.crt'), join(dir, 'a.key'));
  assert.not.ok(own.managed);
  try {
    await loadOperatorCert(join(dir, 'a.crt'), join(dir, 'b.key'));
    assert.unreachable('mismatched key accepted');
  } catch (e) {
    assert.instance(e, PkiFileError);
  }
});

test.run();
