// Credential lifecycle on a real hub (SQLite, aedes, gateway, controllers) with real mqtt.js
// clients: revoke, reset and Node deletion disconnect the board at once and refuse it after;
// expired and deleted tokens do not join.
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resetNodeCredential, revokeNodeCredential } from '../../../hub/auth/node-credentials.js';
import { createBootstrapToken, deleteBootstrapToken } from '../../../hub/auth/tokens.js';
import type { Secret } from '../../../shared/api/types.js';
import { connectNode, join, sendStatus, hubPerFile } from '../gateway/harness.js';
import { waitFor } from './wait.js';

const hub = hubPerFile();

async function connack(p: Promise<MqttClient>): Promise<number | undefined> {
  try {
    await (await p).endAsync(true);
    return undefined;
  } catch (e) {
    return (e as { code?: number }).code;
  }
}

/** A joined node, connected; resolves `closed` when the broker drops it. */
async function joinedNode(name: string) {
  const res = await join(hub(), name);
  assert.ok(res.ok, res.error);
  const c = await connectNode(hub(), name, res.password!);
  const closed = new Promise<void>((r) => c.once('close', () => r()));
  return { password: res.password!, c, closed };
}

const secretNames = async () =>
  (await hub().client.list<Secret>('secrets', 'kube-system')).items.map((s) => s.metadata.name).sort();

test('revoke: the live board is kicked, cannot reconnect, and its name cannot be joined', async () => {
  const n = await joinedNode('rv-1');
  await revokeNodeCredential(hub().client, 'rv-1', 'test');
  await n.closed;
  assert.is(await connack(connectNode(hub(), 'rv-1', n.password)), 5);
  const again = await join(hub(), 'rv-1', { password: n.password });
  assert.is(again.ok, false);
  assert.match(again.error ?? '', /revoked/);
});

test('reset: the board is kicked and the name may be joined again, once', async () => {
  const n = await joinedNode('rs-1');
  assert.ok(await resetNodeCredential(hub().client, 'rs-1'));
  await n.closed;
  assert.is(await connack(connectNode(hub(), 'rs-1', n.password)), 5);
  const fresh = await join(hub(), 'rs-1');
  assert.ok(fresh.ok, fresh.error);
  await (await connectNode(hub(), 'rs-1', fresh.password!)).endAsync();
  assert.is((await join(hub(), 'rs-1')).ok, false, 'once used, the name is taken again');
});

test('deleting the Node revokes its credential and disconnects the board', async () => {
  const n = await joinedNode('del-1');
  await sendStatus(n.c, 'del-1');
  await waitFor('node created', () => hub().client.get('nodes', undefined, 'del-1'));
  await hub().client.delete('nodes', undefined, 'del-1');
  await n.closed;
  assert.is(await connack(connectNode(hub(), 'del-1', n.password)), 5);
  const again = await join(hub(), 'del-1');
  assert.match(again.error ?? '', /revoked/);
});

test('an expired token and a deleted token are refused at CONNECT; nothing is written', async () => {
  const expired = await createBootstrapToken(hub().client, { ttlSeconds: 1 });
  const deleted = await createBootstrapToken(hub().client);
  assert.ok(await deleteBootstrapToken(hub().client, deleted));
  // The token's expiration is RFC 3339 to the second: wait until it has passed.
  const exp = Date.now() + 2000;
  await waitFor('token past its expiration', () => Date.now() > exp);
  const before = await secretNames();
  for (const token of [expired, deleted]) {
    const code = await join(hub(), 'tok-x', { token }).then(
      () => undefined,
      (e: { code?: number }) => e.code,
    );
    assert.is(code, 5, token);
  }
  assert.equal(await secretNames(), before, 'no credential written');
});

test.run();
