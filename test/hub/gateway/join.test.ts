// Join round trip against a real hub: bootstrap token -> node credential -> node connects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hub } from '../../../hub/hub.js';
import type { Secret } from '../../../shared/api/types.js';
import { connectNode, join, mqttConnect, tempDir, testHub } from './harness.js';

let dir: ReturnType<typeof tempDir>;
let hub: Hub;

test.before(async () => {
  dir = tempDir();
  hub = await testHub(dir.path);
});

test.after(async () => {
  await hub.stop();
  dir.cleanup();
});

async function connackCode(
  p: Promise<{ endAsync(force?: boolean): Promise<void> }>,
): Promise<number | undefined> {
  try {
    const c = await p;
    await c.endAsync(true);
    return undefined;
  } catch (e) {
    return (e as { code?: number }).code;
  }
}

test('a client without credentials cannot connect', async () => {
  assert.is(await connackCode(mqttConnect(hub.mqttUrl, { clientId: 'anon' })), 5);
});

test('a wrong bootstrap token is refused', async () => {
  const id = hub.bootstrapToken.split('.')[0];
  const code = await connackCode(
    mqttConnect(hub.mqttUrl, {
      clientId: 'join-x',
      username: `bootstrap:${id}`,
      password: `${id}.0000000000000000`,
    }),
  );
  assert.is(code, 5);
});

test('join yields a node credential that connects; its hash is stored, not the password', async () => {
  const res = await join(hub, 'pi-1');
  assert.ok(res.ok, res.error);
  assert.is(res.nodeName, 'pi-1');
  assert.is(res.username, 'node:pi-1');
  assert.ok(res.password && res.password.length >= 20);
  const c = await connectNode(hub, 'pi-1', res.password!);
  assert.ok(c.connected);
  await c.endAsync();
  const s = await hub.client.get<Secret>('secrets', 'kube-system', 'drover-node-pi-1');
  const stored = Buffer.from(s.data?.['password-hash'] ?? '', 'base64').toString();
  assert.match(stored, /^sha256\$/);
  assert.not.ok(JSON.stringify(s).includes(res.password!), 'password not stored in clear');
});

test('a wrong node password is refused', async () => {
  const res = await join(hub, 'pi-2');
  assert.is(await connackCode(connectNode(hub, 'pi-2', `${res.password}x`)), 5);
  assert.is(await connackCode(connectNode(hub, 'pi-1', res.password!)), 5, "pi-2's password is not pi-1's");
});

test('re-joining replaces the credential: the old password stops working (cache honours it)', async () => {
  const first = await join(hub, 'pi-3');
  const c = await connectNode(hub, 'pi-3', first.password!); // verified once: now cached
  await c.endAsync();
  const second = await join(hub, 'pi-3');
  assert.is(await connackCode(connectNode(hub, 'pi-3', first.password!)), 5);
  const c2 = await connectNode(hub, 'pi-3', second.password!);
  await c2.endAsync();
});

test('an invalid node name gets ok:false naming the step', async () => {
  const res = await join(hub, 'Bad_Name');
  assert.is(res.ok, false);
  assert.match(res.error ?? '', 'validate name');
});

test.run();
