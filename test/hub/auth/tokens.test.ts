// Bootstrap tokens and node credentials as Secrets, through a real API over a real store.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NodeNameTakenError } from '../../../hub/auth/errors.js';
import { issueNodeCredential, verifyNodeCredential } from '../../../hub/auth/node-credentials.js';
import { createBootstrapToken, verifyBootstrapToken } from '../../../hub/auth/tokens.js';
import type { Secret } from '../../../shared/api/types.js';
import { hubPerFile } from '../gateway/harness.js';

const hub = hubPerFile();

test('bootstrap token: Kubernetes Secret shape, verifies, wrong secret does not', async () => {
  const token = await createBootstrapToken(hub().client);
  assert.match(token, /^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  const [id, secret] = token.split('.');
  const s = await hub().client.get<Secret>('secrets', 'kube-system', `bootstrap-token-${id}`);
  assert.is(s.type, 'bootstrap.kubernetes.io/token');
  const d = (k: string) => Buffer.from(s.data?.[k] ?? '', 'base64').toString();
  assert.is(d('token-id'), id);
  assert.is(d('token-secret'), secret);
  assert.is(d('usage-bootstrap-authentication'), 'true');
  assert.ok(await verifyBootstrapToken(hub().client, token));
  const table = [`${id}.${'0'.repeat(16)}`, `zzzzzz.${secret}`, 'garbage', '', `${id}.${secret}x`];
  for (const bad of table) assert.not.ok(await verifyBootstrapToken(hub().client, bad), bad);
});

test('bootstrap token expiry is honoured', async () => {
  const token = await createBootstrapToken(hub().client, { ttlSeconds: 60 });
  assert.ok(await verifyBootstrapToken(hub().client, token));
  assert.not.ok(await verifyBootstrapToken(hub().client, token, Date.now() + 61_000));
  const dflt = await createBootstrapToken(hub().client);
  assert.ok(await verifyBootstrapToken(hub().client, dflt, Date.now() + 86_000_000), 'default TTL 24 h');
  assert.not.ok(await verifyBootstrapToken(hub().client, dflt, Date.now() + 86_401_000));
});

test('node credential: issue, verify, and replacement invalidates the old password', async () => {
  const cred = await issueNodeCredential(hub().client, 'n1');
  assert.is(cred.username, 'node:n1');
  assert.ok(await verifyNodeCredential(hub().client, 'n1', cred.password));
  assert.not.ok(await verifyNodeCredential(hub().client, 'n1', 'wrong'));
  assert.not.ok(await verifyNodeCredential(hub().client, 'n1', `${cred.password}x`));
  assert.not.ok(await verifyNodeCredential(hub().client, 'n2', cred.password), 'unknown node');
  // Only a hash is stored, never the password.
  const secret = await hub().client.get<Secret>('secrets', 'kube-system', 'drover-node-n1');
  assert.not.ok(JSON.stringify(secret).includes(cred.password));
  assert.not.ok(
    Buffer.from(secret.data?.['password-hash'] ?? '', 'base64')
      .toString()
      .includes(cred.password),
  );

  const taken = await issueNodeCredential(hub().client, 'n1').catch((e: Error) => e);
  assert.instance(taken, NodeNameTakenError, 'no new credential without the current one');
  const next = await issueNodeCredential(hub().client, 'n1', { password: cred.password });
  assert.not.ok(await verifyNodeCredential(hub().client, 'n1', cred.password), 'old password refused');
  assert.ok(await verifyNodeCredential(hub().client, 'n1', next.password));
});

test.run();
