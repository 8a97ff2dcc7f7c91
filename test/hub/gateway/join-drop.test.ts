// handleJoin drops a request whose joiner is gone (no credential issued, no answer), against a
// real hub's API (SQLite). The broker side (isConnected) is tested in test/hub/broker.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeCredentialSecretName } from '../../../hub/auth/node-credentials.js';
import { SYSTEM_NAMESPACE } from '../../../hub/auth/tokens.js';
import { EventRecorder } from '../../../hub/events/recorder.js';
import type { GatewayContext } from '../../../hub/gateway/context.js';
import { handleJoin } from '../../../hub/gateway/join.js';
import { createLogger } from '../../../shared/log.js';
import { hubPerFile } from './harness.js';

const hub = hubPerFile();
const published: string[] = [];
const desired: string[] = [];

function ctx(): GatewayContext {
  return {
    client: hub().client,
    publish: async (topic) => {
      published.push(topic);
    },
    leases: hub().leases,
    log: createLogger('join-drop-test', 100),
    events: new EventRecorder({ client: hub().client, component: 'test', log: createLogger('test', 100) }),
    onNodeActivity: () => {},
    onNodeWill: () => {},
    publishDesired: (n) => desired.push(n),
  };
}

async function secretExists(node: string): Promise<boolean> {
  try {
    await hub().client.get('secrets', SYSTEM_NAMESPACE, nodeCredentialSecretName(node));
    return true;
  } catch {
    return false;
  }
}

test('a join whose client is connected is answered', async () => {
  const r = await handleJoin(
    ctx(),
    'join-a',
    { v: 1, nodeName: 'drop-a', token: hub().bootstrapToken },
    () => true,
  );
  assert.is(r, 'joined');
  assert.equal(published, ['drover/v1/join/join-a/response']);
  assert.equal(desired, ['drop-a']);
  assert.ok(await secretExists('drop-a'));
});

test('a join whose client is gone is dropped before any work', async () => {
  published.length = 0;
  desired.length = 0;
  const r = await handleJoin(
    ctx(),
    'join-b',
    { v: 1, nodeName: 'drop-b', token: hub().bootstrapToken },
    () => false,
  );
  assert.is(r, 'dropped');
  assert.equal(published, []);
  assert.equal(desired, []);
  assert.not.ok(await secretExists('drop-b'));
});

test('a joiner leaving mid-join gets no answer', async () => {
  published.length = 0;
  let asked = 0;
  // Connected for the first four checks (validate, check name, spend token, issue credential),
  // gone before the reply.
  const r = await handleJoin(
    ctx(),
    'join-c',
    { v: 1, nodeName: 'drop-c', token: hub().bootstrapToken },
    () => ++asked <= 4,
  );
  assert.is(r, 'dropped');
  assert.equal(published, []);
});

test.run();
