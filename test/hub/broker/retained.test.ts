// Retained messages through the real broker (indexed persistence): an agent subscribing after
// thousands of nodes' desired states are retained gets exactly its own, and an empty
// retained publish deletes.
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBrokerAuth } from '../../../hub/broker/auth.js';
import { type Broker, startBroker } from '../../../hub/broker/broker.js';
import { createLogger } from '../../../shared/log.js';
import { filters, topics } from '../../../shared/mqtt/topics.js';
import { delay, waitFor } from '../controllers/wait.js';

const log = createLogger('retained-test', 100);
const HUB_SECRET = 'hub-secret-123';
const NODES = 5000;
const name = (i: number) => `n-${i}`;

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

/** Subscribes as the agent does and collects what arrives until `quietMs` passes without a message. */
async function retainedSeenBy(node: string, quietMs = 300): Promise<{ topic: string; payload: string }[]> {
  const c = await connectNode(node);
  const seen: { topic: string; payload: string }[] = [];
  c.on('message', (topic, payload, packet) => {
    if (packet.retain) seen.push({ topic, payload: payload.toString() });
  });
  await c.subscribeAsync([topics.desired(node), filters.nodeRpcRequests(node)], { qos: 1 });
  let last = -1;
  while (last !== seen.length) {
    last = seen.length;
    await delay(quietMs);
  }
  return seen;
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
  const pubs: Promise<unknown>[] = [];
  for (let i = 0; i < NODES; i++) {
    pubs.push(hub.publishAsync(topics.desired(name(i)), `desired-${i}`, { qos: 1, retain: true }));
  }
  // One retained RPC request for a node, to check the wildcard subscription too.
  pubs.push(hub.publishAsync(topics.rpcRequest(name(7), 'r1'), 'rpc-7', { qos: 1, retain: true }));
  await Promise.all(pubs);
  await waitFor('all retained stored', () => broker.retained() === NODES + 1);
});

test.after.each(async () => {
  await Promise.all(open.splice(0).map((c) => c.endAsync(true)));
});

test.after(async () => {
  await hub.endAsync(true);
  await broker.close();
});

test('a node subscribing after 5,000 retained desired states gets exactly its own', async () => {
  const seen = await retainedSeenBy(name(4321));
  assert.equal(seen, [{ topic: topics.desired(name(4321)), payload: 'desired-4321' }]);
});

test('the wildcard rpc subscription gets only the node own retained requests', async () => {
  const seen = await retainedSeenBy(name(7));
  assert.equal(
    seen.sort((a, b) => a.topic.localeCompare(b.topic)),
    [
      { topic: topics.desired(name(7)), payload: 'desired-7' },
      { topic: topics.rpcRequest(name(7), 'r1'), payload: 'rpc-7' },
    ].sort((a, b) => a.topic.localeCompare(b.topic)),
  );
});

test('retained payloads hold their own bytes, not the chunks they were read from', async () => {
  // The 5,001 publishes went out in a burst, many packets per read: a payload kept as a view
  // into its read chunk would pin the chunk (headers and other packets included).
  let payloadBytes = 0;
  for (let i = 0; i < NODES; i++) payloadBytes += Buffer.byteLength(`desired-${i}`);
  payloadBytes += Buffer.byteLength('rpc-7');
  assert.equal(broker.retainedBytes(), payloadBytes);
});

test('a node without a retained message gets none', async () => {
  assert.equal(await retainedSeenBy('not-a-fleet-node'), []);
});

test('an empty retained publish deletes the retained message', async () => {
  await hub.publishAsync(topics.desired(name(99)), '', { qos: 1, retain: true });
  await waitFor('retained deleted', () => broker.retained() === NODES);
  assert.equal(await retainedSeenBy(name(99)), []);
  assert.equal(await retainedSeenBy(name(98)), [{ topic: topics.desired(name(98)), payload: 'desired-98' }]);
});

test('the hub sees all retained desired states through a wildcard', async () => {
  const c = await mqtt.connectAsync(broker.url, {
    clientId: 'drover-hub-wild',
    username: 'drover-hub',
    password: HUB_SECRET,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  open.push(c);
  let n = 0;
  c.on('message', (_t, _p, packet) => {
    if (packet.retain) n++;
  });
  await c.subscribeAsync('drover/v1/nodes/+/desired', { qos: 0 });
  await waitFor('all desired received', () => n === NODES - 1);
});

test.run();
