// Join round trip against a real hub: bootstrap token -> node credential -> node connects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBootstrapToken, listBootstrapTokens } from '../../../hub/auth/tokens.js';
import { JOIN_REFUSED_REASON } from '../../../hub/gateway/join.js';
import type { Event, Secret } from '../../../shared/api/types.js';
import { waitFor } from '../controllers/wait.js';
import { connectNode, join, mqttConnect, hubPerFile } from './harness.js';

const hub = hubPerFile();

async function secretExists(node: string): Promise<boolean> {
  return hub()
    .client.get('secrets', 'kube-system', `drover-node-${node}`)
    .then(
      () => true,
      (e: { code?: number }) => {
        if (e.code !== 404) throw e;
        return false;
      },
    );
}

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
  assert.is(await connackCode(mqttConnect(hub(), { clientId: 'anon' })), 5);
});

test('a wrong bootstrap token is refused', async () => {
  const id = hub().bootstrapToken.split('.')[0];
  const code = await connackCode(
    mqttConnect(hub(), {
      clientId: 'join-x',
      username: `bootstrap:${id}`,
      password: `${id}.0000000000000000`,
    }),
  );
  assert.is(code, 5);
});

test('join yields a node credential that connects; its hash is stored, not the password', async () => {
  const res = await join(hub(), 'pi-1');
  assert.ok(res.ok, res.error);
  assert.is(res.nodeName, 'pi-1');
  assert.is(res.username, 'node:pi-1');
  assert.ok(res.password && res.password.length >= 20);
  const c = await connectNode(hub(), 'pi-1', res.password!);
  assert.ok(c.connected);
  await c.endAsync();
  const s = await hub().client.get<Secret>('secrets', 'kube-system', 'drover-node-pi-1');
  const stored = Buffer.from(s.data?.['password-hash'] ?? '', 'base64').toString();
  assert.match(stored, /^sha256\$/);
  assert.not.ok(JSON.stringify(s).includes(res.password!), 'password not stored in clear');
});

test('a wrong node password is refused', async () => {
  const res = await join(hub(), 'pi-2');
  assert.is(await connackCode(connectNode(hub(), 'pi-2', `${res.password}x`)), 5);
  assert.is(await connackCode(connectNode(hub(), 'pi-1', res.password!)), 5, "pi-2's password is not pi-1's");
});

test('a join for a name with a live credential is refused, with an event; the holder keeps it', async () => {
  const first = await join(hub(), 'pi-3');
  const holder = await connectNode(hub(), 'pi-3', first.password!);
  const takeover = await join(hub(), 'pi-3');
  assert.is(takeover.ok, false);
  assert.match(takeover.error ?? '', /already has a live credential/);
  assert.match(takeover.error ?? '', /drover node reset pi-3/);
  assert.is(takeover.password, undefined);
  assert.ok(holder.connected, 'the real board stays connected');
  await holder.endAsync();
  const again = await connectNode(hub(), 'pi-3', first.password!);
  await again.endAsync();
  const events = await hub().client.list<Event>('events', 'default');
  const refused = events.items.filter(
    (e) => e.involvedObject.name === 'pi-3' && e.reason === JOIN_REFUSED_REASON,
  );
  assert.is(refused.length, 1);
  assert.is(refused[0].type, 'Warning');
});

test('a join whose answer was lost can be retried until the board first connects; then the name is taken', async () => {
  const lost = await join(hub(), 'pi-lost'); // the board never saw this answer (a timeout on a slow link)
  const retry = await join(hub(), 'pi-lost');
  assert.ok(retry.ok, retry.error);
  assert.is(
    await connackCode(connectNode(hub(), 'pi-lost', lost.password!)),
    5,
    'the lost credential was replaced',
  );
  const board = await connectNode(hub(), 'pi-lost', retry.password!);
  await waitFor('the first connect recorded', async () => {
    const s = await hub().client.get<Secret>('secrets', 'kube-system', 'drover-node-pi-lost');
    return s.data?.['first-used'] !== undefined;
  });
  const takeover = await join(hub(), 'pi-lost');
  assert.is(takeover.ok, false, "used once, the name is the board's");
  assert.match(takeover.error ?? '', /already has a live credential/);
  assert.ok(board.connected);
  await board.endAsync();
});

test('re-joining with the current credential replaces it: the old password stops working', async () => {
  const first = await join(hub(), 'pi-4');
  const second = await join(hub(), 'pi-4', { password: first.password });
  assert.ok(second.ok, second.error);
  assert.is(await connackCode(connectNode(hub(), 'pi-4', first.password!)), 5);
  const c2 = await connectNode(hub(), 'pi-4', second.password!);
  await c2.endAsync();
  const wrong = await join(hub(), 'pi-4', { password: first.password });
  assert.is(wrong.ok, false, 'a stale credential does not re-join');
});

test('a lost join answer does not lock the board out: the same token re-joins until the first connect', async () => {
  const lost = await join(hub(), 'pi-8'); // as if the answer never reached the board
  const retry = await join(hub(), 'pi-8');
  assert.ok(retry.ok, retry.error);
  assert.is(await connackCode(connectNode(hub(), 'pi-8', lost.password!)), 5, 'the lost one is void');
  const other = await createBootstrapToken(hub().client);
  assert.is((await join(hub(), 'pi-8', { token: other })).ok, false, 'another token cannot take it');
  await (await connectNode(hub(), 'pi-8', retry.password!)).endAsync();
  const after = await join(hub(), 'pi-8');
  assert.is(after.ok, false, 'once the board has connected, the same token cannot take it either');
  assert.match(after.error ?? '', /already has a live credential/);
});

test('a per-board single-use token joins its node once and no other', async () => {
  const token = await createBootstrapToken(hub().client, { nodeName: 'pi-5', usageLimit: 1 });
  const other = await join(hub(), 'pi-6', { token });
  assert.is(other.ok, false);
  assert.match(other.error ?? '', /is for node pi-5, not pi-6/);
  assert.not.ok(await secretExists('pi-6'), 'nothing written for the refused name');
  const ok = await join(hub(), 'pi-5', { token });
  assert.ok(ok.ok, ok.error);
  const [info] = (await listBootstrapTokens(hub().client)).filter((t) => t.id === token.split('.')[0]);
  assert.equal([info.usageCount, info.usageLimit], [1, 1]);
  // Used up: the broker refuses the CONNECT itself.
  const code = await connackCode(
    mqttConnect(hub(), {
      clientId: 'join-used',
      username: `bootstrap:${token.split('.')[0]}`,
      password: token,
    }),
  );
  assert.is(code, 5);
});

test('a refused name does not spend a single-use token', async () => {
  const first = await join(hub(), 'pi-7');
  const holder = await connectNode(hub(), 'pi-7', first.password!); // the name is in use
  await waitFor('the first connect recorded', async () => {
    const s = await hub().client.get<Secret>('secrets', 'kube-system', 'drover-node-pi-7');
    return s.data?.['first-used'] !== undefined;
  });
  await holder.endAsync();
  const token = await createBootstrapToken(hub().client, { nodeName: 'pi-7', usageLimit: 1 });
  const refused = await join(hub(), 'pi-7', { token });
  assert.is(refused.ok, false);
  const [info] = (await listBootstrapTokens(hub().client)).filter((t) => t.id === token.split('.')[0]);
  assert.is(info.usageCount, 0);
});

test('an invalid node name gets ok:false naming the step', async () => {
  const res = await join(hub(), 'Bad_Name');
  assert.is(res.ok, false);
  assert.match(res.error ?? '', 'validate name');
});

test.run();
