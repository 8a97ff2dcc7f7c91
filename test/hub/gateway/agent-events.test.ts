// The lying board, events edition (real hub, the board as mqtt.js with its own credential):
// events about objects that are not its own are refused, a flood is cut by its token bucket,
// identical events are counted in one Event, oversized messages are cut, and events expire.
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EventTtlSweeper } from '../../../hub/events/ttl.js';
import type { Hub } from '../../../hub/hub.js';
import type { Event, Node, Pod } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { topics } from '../../../shared/mqtt/topics.js';
import { type AgentEvent, encode } from '../../../shared/protocol/messages.js';
import { waitFor } from '../controllers/wait.js';
import { connectNode, join, sendStatus, tempDir, testHub } from './harness.js';

let dir: ReturnType<typeof tempDir>;
let hub: Hub;
let liar: MqttClient;
let honest: MqttClient;

const LIAR = 'board-e';
const OTHER = 'board-f';
const BURST = 10;
const QPS = 1;

test.before(async () => {
  dir = tempDir();
  hub = await testHub(dir.path, { agentEventBurst: BURST, agentEventQps: QPS });
  liar = await connectNode(hub, LIAR, (await join(hub, LIAR)).password!);
  honest = await connectNode(hub, OTHER, (await join(hub, OTHER)).password!);
  await sendStatus(liar, LIAR);
  await sendStatus(honest, OTHER);
  await waitFor(
    'both nodes registered',
    async () => (await hub.client.list<Node>('nodes', undefined)).items.length === 2,
  );
});

test.after(async () => {
  await liar.endAsync(true);
  await honest.endAsync(true);
  await hub.stop();
  dir.cleanup();
});

const eventsBy = async (node: string, reason: string) =>
  (await hub.client.list<Event>('events', 'default')).items.filter(
    (e) => e.source?.host === node && e.reason === reason,
  );

async function send(c: MqttClient, node: string, over: Partial<AgentEvent>): Promise<void> {
  const ev: Omit<AgentEvent, 'v'> = {
    involvedObject: { kind: 'Node', name: node },
    type: 'Normal',
    reason: 'Test',
    message: 'hello',
    time: Date.now(),
    ...over,
  };
  await c.publishAsync(topics.events(node), encode<AgentEvent>(ev), { qos: 1 });
}

/** Waits until the gateway has handled n more messages than `from`. */
const handled = (from: number, n: number) =>
  waitFor(`${n} handled`, () => hub.gateway.stats.handled >= from + n);

test('events about objects that are not the board own are refused; nothing recorded', async () => {
  const other = await hub.client.get<Node>('nodes', undefined, OTHER);
  const pod = await hub.client.create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'theirs', namespace: 'default' },
    spec: { nodeName: OTHER, containers: [{ name: 'c', image: 'nginx' }] },
  });
  const refused = hub.gateway.stats.refused;
  await send(liar, LIAR, {
    reason: 'Spoof',
    involvedObject: { kind: 'Node', name: LIAR, uid: other.metadata.uid },
  });
  await send(liar, LIAR, { reason: 'Spoof', involvedObject: { kind: 'Node', name: OTHER } });
  await send(liar, LIAR, {
    reason: 'Spoof',
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'theirs', uid: pod.metadata.uid },
  });
  await send(liar, LIAR, {
    reason: 'Spoof',
    involvedObject: { kind: 'Secret', namespace: 'kube-system', name: 'x' },
  });
  await send(liar, LIAR, { reason: 'x'.repeat(1024 * 1024) });
  await waitFor('5 refused', () => hub.gateway.stats.refused >= refused + 5);
  assert.is((await eventsBy(LIAR, 'Spoof')).length, 0);
});

test('a message over 1 KiB is cut; identical events are one Event with a count', async () => {
  const from = hub.gateway.stats.handled;
  await send(liar, LIAR, { reason: 'Long', message: 'm'.repeat(1024 * 1024) });
  for (let i = 0; i < 3; i++) await send(liar, LIAR, { reason: 'Same', message: 'again' });
  await handled(from, 4);
  const [long] = await eventsBy(LIAR, 'Long');
  assert.is(long.message?.length, 1024);
  const same = await eventsBy(LIAR, 'Same');
  assert.is(same.length, 1);
  assert.is(same[0].count, 3);
});

test("a flood is cut by the node's token bucket; another board's events still go through", async () => {
  const limited = hub.gateway.stats.rateLimited;
  const from = hub.gateway.stats.handled;
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: 300 }, (_, i) => send(liar, LIAR, { reason: 'Flood', message: `n${i}` })),
  );
  await handled(from, 300);
  const elapsedS = (Date.now() - t0) / 1000;
  // Recorded: the events the bucket let through, counted (similar ones are combined).
  const recorded = (await eventsBy(LIAR, 'Flood')).reduce((n, e) => n + (e.count ?? 1), 0);
  assert.ok(recorded <= BURST + Math.ceil(elapsedS * QPS) + 1, `${recorded} recorded in ${elapsedS} s`);
  assert.is(hub.gateway.stats.rateLimited - limited, 300 - recorded);
  await send(honest, OTHER, { reason: 'Honest' });
  await waitFor('the honest board is heard', async () => (await eventsBy(OTHER, 'Honest')).length === 1);
});

test('events older than the TTL are deleted; newer ones stay', async () => {
  const old = new Date(Date.now() - 2 * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const [name, ts] of [
    ['old', old],
    ['new', undefined],
  ] as const)
    await hub.client.create<Event>('events', 'default', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `ttl-${name}`, namespace: 'default' },
      involvedObject: { kind: 'Node', name: LIAR },
      reason: 'Ttl',
      message: name,
      ...(ts ? { firstTimestamp: ts, lastTimestamp: ts } : {}),
    });
  const sweeper = new EventTtlSweeper({ client: hub.client, ttlMs: 3600_000, log: createLogger('test', 40) });
  assert.ok((await sweeper.sweep()) >= 1);
  const left = (await hub.client.list<Event>('events', 'default')).items.filter((e) => e.reason === 'Ttl');
  assert.equal(
    left.map((e) => e.metadata.name),
    ['ttl-new'],
  );
});

test.run();
