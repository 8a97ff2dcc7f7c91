// Real aedes broker on a loopback port, real mqtt.js clients. The credential checks are plain
// functions here (the token/credential Secrets are covered in test/hub/auth); the hub tests
// run the same broker against the real API.
import net from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBrokerAuth } from '../../../hub/broker/auth.js';
import { type Broker, startBroker } from '../../../hub/broker/broker.js';
import { topics } from '../../../shared/mqtt/topics.js';
import { createLogger } from '../../../shared/log.js';
import { delay, waitFor } from '../controllers/wait.js';

const log = createLogger('broker-test', 100);
const HUB_SECRET = 'hub-secret-123';
const TOKEN = 'abcdef.0123456789abcdef';
const NODE_PASSWORDS: Record<string, string> = { 'node-a': 'pw-a', 'node-b': 'pw-b' };

let broker: Broker;
const open: MqttClient[] = [];

function connect(clientId: string, username?: string, password?: string, extra: mqtt.IClientOptions = {}) {
  return mqtt
    .connectAsync(broker.url, {
      clientId,
      username,
      password,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 3000,
      ...extra,
    })
    .then((c) => {
      open.push(c);
      return c;
    });
}

async function refused(p: Promise<MqttClient>): Promise<number | undefined> {
  try {
    const c = await p;
    await c.endAsync(true);
    return undefined;
  } catch (e) {
    return (e as { code?: number }).code;
  }
}

/** The SUBACK return code for one filter (mqtt.js rejects on a failure code; unwrap it). */
async function suback(c: MqttClient, filter: string): Promise<number> {
  try {
    const g = await c.subscribeAsync(filter, { qos: 1 });
    return g[0].qos;
  } catch (e) {
    const granted = (e as { packet?: { granted?: number[] } }).packet?.granted;
    if (!granted) throw e;
    return granted[0];
  }
}

/** A hub-side client subscribed to everything, recording topics it receives. */
async function hubSpy(): Promise<{ seen: string[] }> {
  const hub = await connect('drover-hub-spy', 'drover-hub', HUB_SECRET);
  const seen: string[] = [];
  hub.on('message', (t) => seen.push(t));
  await hub.subscribeAsync('drover/v1/#', { qos: 1 });
  return { seen };
}

test.before(async () => {
  const auth = createBrokerAuth({
    hubSecret: HUB_SECRET,
    verifyBootstrapToken: async (t) => t === TOKEN,
    verifyNodeCredential: async (n, p) => NODE_PASSWORDS[n] === p,
    log,
  });
  broker = await startBroker({ host: '127.0.0.1', port: 0, auth, log, maxConnections: 20 });
});

test.after.each(async () => {
  await Promise.all(open.splice(0).map((c) => c.endAsync(true)));
});

test.after(async () => {
  await broker.close();
});

const refusals: { name: string; clientId: string; username?: string; password?: string }[] = [
  { name: 'no credentials', clientId: 'x1' },
  { name: 'wrong hub secret', clientId: 'x2', username: 'drover-hub', password: 'nope' },
  { name: 'unknown user', clientId: 'x3', username: 'admin', password: 'admin' },
  { name: 'wrong node password', clientId: 'node-node-a', username: 'node:node-a', password: 'pw-b' },
  {
    name: 'node with a foreign client id',
    clientId: 'node-node-b',
    username: 'node:node-a',
    password: 'pw-a',
  },
  { name: 'node with an invalid name', clientId: 'node-A/B', username: 'node:A/B', password: 'pw-a' },
  {
    name: 'bootstrap with a wrong token',
    clientId: 'join-1',
    username: 'bootstrap:abcdef',
    password: 'abcdef.aaaaaaaaaaaaaaaa',
  },
  {
    name: 'bootstrap with a non-join client id',
    clientId: 'node-x',
    username: 'bootstrap:abcdef',
    password: TOKEN,
  },
  {
    name: 'bootstrap user id != token id',
    clientId: 'join-2',
    username: 'bootstrap:zzzzzz',
    password: TOKEN,
  },
];
for (const r of refusals) {
  test(`refused with CONNACK 5: ${r.name}`, async () => {
    assert.is(await refused(connect(r.clientId, r.username, r.password)), 5);
  });
}

test('valid hub, bootstrap and node credentials connect', async () => {
  await connect('drover-hub-1', 'drover-hub', HUB_SECRET);
  await connect('join-ok', 'bootstrap:abcdef', TOKEN);
  await connect('node-node-a', 'node:node-a', 'pw-a');
  await waitFor('3 clients', () => broker.clients() === 3);
  assert.ok(broker.connections() >= 3);
});

test('a bootstrap client can only use its own join topics', async () => {
  const spy = await hubSpy();
  const c = await connect('join-mine', 'bootstrap:abcdef', TOKEN);
  assert.is(await suback(c, topics.joinResponse('join-mine')), 1);
  assert.is(await suback(c, topics.joinResponse('join-other')), 128);
  assert.is(await suback(c, 'drover/v1/#'), 128);
  await c.publishAsync(topics.joinRequest('join-mine'), 'ok', { qos: 1 });
  await waitFor('own request reaches the hub', () => spy.seen.includes(topics.joinRequest('join-mine')));
  // A forbidden publish: aedes drops the connection; the message must never arrive.
  c.publish(topics.joinRequest('join-other'), 'x', { qos: 0 });
  c.publish(topics.status('node-a'), 'x', { qos: 0 });
  await delay(150);
  assert.not.ok(spy.seen.includes(topics.joinRequest('join-other')));
  assert.not.ok(spy.seen.includes(topics.status('node-a')));
});

test("a rogue client with node A's credential cannot touch node B's topics", async () => {
  const spy = await hubSpy();
  const a = await connect('node-node-a', 'node:node-a', 'pw-a');
  assert.is(await suback(a, topics.desired('node-a')), 1);
  assert.is(await suback(a, topics.desired('node-b')), 128, 'SUBACK failure 0x80');
  assert.is(await suback(a, 'drover/v1/nodes/+/desired'), 128);
  await a.publishAsync(topics.status('node-a'), 'mine', { qos: 1 });
  await waitFor('own status reaches the hub', () => spy.seen.includes(topics.status('node-a')));
  a.publish(topics.status('node-b'), 'forged', { qos: 0 });
  a.publish(topics.desired('node-a'), 'forged', { qos: 0 }); // hub->agent direction
  await delay(150);
  assert.not.ok(spy.seen.includes(topics.status('node-b')), 'forged status never reached the hub');
  assert.not.ok(spy.seen.includes(topics.desired('node-a')));
});

test('agent self-update topics: a node hears only its own orders and bundles, and cannot forge them', async () => {
  const spy = await hubSpy();
  const a = await connect('node-node-a', 'node:node-a', 'pw-a');
  assert.is(await suback(a, topics.agentUpdate('node-a')), 1);
  assert.is(await suback(a, topics.bundle('node-a')), 1);
  assert.is(await suback(a, topics.agentUpdate('node-b')), 128, "another board's order");
  assert.is(await suback(a, topics.bundle('node-b')), 128, "another board's bundle");
  assert.is(await suback(a, 'drover/v1/nodes/+/agent/bundle'), 128);
  await a.publishAsync(topics.bundleRequest('node-a'), 'mine', { qos: 1 });
  await waitFor('own bundle request reaches the hub', () =>
    spy.seen.includes(topics.bundleRequest('node-a')),
  );
  a.publish(topics.bundleRequest('node-b'), 'forged', { qos: 0 });
  a.publish(topics.agentUpdate('node-b'), 'forged', { qos: 0 }); // hub->agent direction
  a.publish(topics.bundle('node-b'), 'forged', { qos: 0 });
  await delay(150);
  for (const t of [topics.bundleRequest('node-b'), topics.agentUpdate('node-b'), topics.bundle('node-b')])
    assert.not.ok(spy.seen.includes(t), `${t} never reached anyone`);
});

test("a node's last will must be its own will topic", async () => {
  const foreign = await refused(
    connect('node-node-a', 'node:node-a', 'pw-a', {
      will: { topic: topics.will('node-b'), payload: Buffer.from('x'), qos: 1, retain: false },
    }),
  );
  assert.is(foreign, 5);
  const spy = await hubSpy();
  const a = await connect('node-node-a', 'node:node-a', 'pw-a', {
    will: { topic: topics.will('node-a'), payload: Buffer.from('gone'), qos: 1, retain: false },
  });
  a.stream.destroy(); // abrupt: no DISCONNECT, so the broker publishes the will
  await waitFor('will reaches the hub', () => spy.seen.includes(topics.will('node-a')));
});

test('connections beyond maxConnections are refused and the broker keeps serving', async () => {
  const before = broker.refused();
  const socks: net.Socket[] = [];
  for (let i = 0; i < 25; i++) {
    const s = net.connect(broker.port, '127.0.0.1');
    s.on('error', () => {});
    socks.push(s);
  }
  await waitFor('drops counted', () => broker.refused() > before);
  assert.ok(broker.connections() <= 20);
  for (const s of socks) s.destroy();
  await waitFor('sockets closed', () => broker.connections() === 0);
  await connect('drover-hub-after', 'drover-hub', HUB_SECRET);
});

test('garbage on a socket does not crash the broker', async () => {
  const s = net.connect(broker.port, '127.0.0.1');
  s.on('error', () => {});
  await new Promise((r) => s.once('connect', r));
  s.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x13]));
  await waitFor('socket closed by broker', () => s.destroyed || s.readableEnded, 3000).catch(() =>
    s.destroy(),
  );
  s.destroy();
  await connect('drover-hub-alive', 'drover-hub', HUB_SECRET);
});

test('isConnected follows a client from CONNACK to disconnect', async () => {
  assert.not.ok(broker.isConnected('node-node-a'));
  const c = await connect('node-node-a', 'node:node-a', 'pw-a');
  assert.ok(broker.isConnected('node-node-a'));
  assert.not.ok(broker.isConnected('node-node-b'));
  await c.endAsync();
  await waitFor('disconnect seen', () => !broker.isConnected('node-node-a'));
});

test('isConnected survives a takeover by the same client id', async () => {
  const first = await connect('node-node-b', 'node:node-b', 'pw-b');
  const firstClosed = new Promise<void>((r) => first.once('close', () => r()));
  const second = await connect('node-node-b', 'node:node-b', 'pw-b');
  await firstClosed;
  assert.ok(broker.isConnected('node-node-b'));
  await second.endAsync();
  await waitFor('disconnect seen', () => !broker.isConnected('node-node-b'));
});

test("a tap hears a board's publishes and last will in the broker's routing, and nothing after its undo", async () => {
  const heard: [string, string][] = [];
  const untap = await broker.tap('drover/v1/nodes/+/lease', (t, p) => heard.push([t, p.toString()]));
  const untapWills = await broker.tap('drover/v1/nodes/+/will', (t, p) => heard.push([t, p.toString()]));
  // A handler that throws is logged; the publisher's connection and the routing go on.
  const untapBad = await broker.tap('drover/v1/nodes/+/status', () => {
    throw new Error('handler bug');
  });
  const c = await connect('node-node-a', 'node:node-a', 'pw-a', {
    will: { topic: topics.will('node-a'), payload: Buffer.from('gone'), qos: 1, retain: false },
  });
  await c.publishAsync(topics.status('node-a'), 'st', { qos: 1 });
  await c.publishAsync(topics.lease('node-a'), 'hb1', { qos: 0 });
  await c.publishAsync(topics.lease('node-a'), 'hb2', { qos: 1 });
  await waitFor('two heartbeats', () => heard.length === 2);
  assert.equal(heard, [
    [topics.lease('node-a'), 'hb1'],
    [topics.lease('node-a'), 'hb2'],
  ]);
  assert.ok(c.connected);
  untap();
  untapBad();
  await c.publishAsync(topics.lease('node-a'), 'hb3', { qos: 1 });
  c.stream.destroy(); // no DISCONNECT: the will goes out
  await waitFor('the will', () => heard.length === 3);
  assert.equal(heard[2], [topics.will('node-a'), 'gone']);
  untapWills();
});

test.run();
