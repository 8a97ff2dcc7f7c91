// The Service table topic through the real broker and its auth: every board may subscribe to
// it and gets the retained table; a board that publishes on it (a lying board rewriting every
// proxy in the fleet) is disconnected and the retained table is unchanged.
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBrokerAuth } from '../../../hub/broker/auth.js';
import { type Broker, startBroker } from '../../../hub/broker/broker.js';
import { createLogger } from '../../../shared/log.js';
import { agentMayPublish, agentMaySubscribe, parseTopic, topics } from '../../../shared/mqtt/topics.js';
import { waitFor } from '../controllers/wait.js';

const log = createLogger('service-table-test', 100);
const HUB_SECRET = 'hub-secret-123';
const TABLE = JSON.stringify({ v: 1, revision: 7, services: [], nodes: {} });

let broker: Broker;
let hub: MqttClient;
const open: MqttClient[] = [];

async function connectNode(node: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(broker.url, {
    clientId: `node-${node}`,
    username: `node:${node}`,
    password: `pw-${node}`,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  open.push(c);
  return c;
}

test.before(async () => {
  const auth = createBrokerAuth({
    hubSecret: HUB_SECRET,
    verifyBootstrapToken: async () => false,
    verifyNodeCredential: async (n, p) => p === `pw-${n}`,
    log,
  });
  broker = await startBroker({ host: '127.0.0.1', port: 0, auth, log });
  hub = await mqtt.connectAsync(broker.url, {
    clientId: 'drover-hub-test',
    username: 'drover-hub',
    password: HUB_SECRET,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  await hub.publishAsync(topics.services, TABLE, { qos: 1, retain: true });
});

test.after(async () => {
  await Promise.all(open.map((c) => c.endAsync(true)));
  await hub.endAsync(true);
  await broker.close();
});

test('topic rules: any board subscribes, none publishes', () => {
  assert.equal(parseTopic(topics.services), { kind: 'services' });
  assert.ok(agentMaySubscribe('board-1', topics.services));
  assert.not.ok(agentMayPublish('board-1', topics.services));
  assert.not.ok(agentMaySubscribe('board-1', `${topics.services}/+`));
});

test('a board gets the retained table', async () => {
  const c = await connectNode('reader');
  const got: string[] = [];
  c.on('message', (t, p) => t === topics.services && got.push(p.toString()));
  const granted = await c.subscribeAsync(topics.services, { qos: 1 });
  assert.is(granted[0].qos, 1);
  await waitFor('the retained table', () => got.length === 1);
  assert.is(got[0], TABLE);
});

test('a board publishing a table is disconnected; the retained table is unchanged', async () => {
  const liar = await connectNode('liar');
  const closed = new Promise<void>((r) => liar.once('close', () => r()));
  liar.publish(topics.services, JSON.stringify({ v: 1, revision: 99, services: [], nodes: {} }), {
    qos: 1,
    retain: true,
  });
  await closed;
  const c = await connectNode('checker');
  const got: string[] = [];
  c.on('message', (t, p) => t === topics.services && got.push(p.toString()));
  await c.subscribeAsync(topics.services, { qos: 1 });
  await waitFor('the retained table', () => got.length === 1);
  assert.is(got[0], TABLE);
});

test.run();
