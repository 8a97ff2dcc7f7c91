// The lying board varies its messages (issue #20): 500 events on its Node that differ only in
// message are stored as client-go's EventAggregator would (9 apart, then one "(combined from
// similar events)" Event carrying the count), while another board's events stay as sent.
// A real hub, the boards as mqtt.js clients with their own credentials. The token bucket is
// opened wide here so that the aggregation, not the rate limit, is what bounds the store.
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AGGREGATE_MESSAGE_PREFIX, AGGREGATOR_MAX_EVENTS } from '../../../hub/events/aggregator.js';
import type { Hub } from '../../../hub/hub.js';
import type { Event, Node } from '../../../shared/api/types.js';
import { topics } from '../../../shared/mqtt/topics.js';
import { type AgentEvent, encode } from '../../../shared/protocol/messages.js';
import { waitFor } from '../controllers/wait.js';
import { connectNode, join, sendStatus, tempDir, testHub } from './harness.js';

let dir: ReturnType<typeof tempDir>;
let hub: Hub;
let liar: MqttClient;
let honest: MqttClient;

const LIAR = 'board-vary';
const OTHER = 'board-calm';
const FLOOD = 500;
const HONEST = 5;

test.before(async () => {
  dir = tempDir();
  hub = await testHub(dir.path, { agentEventBurst: 10_000, agentEventQps: 10_000 });
  liar = await connectNode(hub, LIAR, (await join(hub, LIAR)).password!);
  honest = await connectNode(hub, OTHER, (await join(hub, OTHER)).password!);
  await sendStatus(liar, LIAR);
  await sendStatus(honest, OTHER);
  await waitFor(
    'both nodes registered',
    async () => (await hub.client.list<Node>('nodes', undefined)).items.length === 2,
  );
  // The two join requests and two status reports above all handled, so the test's count of
  // handled messages starts after them (a status report still in flight when the test reads
  // the count would otherwise pass for one of its events, and the list would miss the last).
  await waitFor('the setup messages handled', () => hub.gateway.stats.handled >= 4);
});

test.after(async () => {
  await liar.endAsync(true);
  await honest.endAsync(true);
  await hub.stop();
  dir.cleanup();
});

const send = (c: MqttClient, node: string, message: string) =>
  c.publishAsync(
    topics.events(node),
    encode<AgentEvent>({
      involvedObject: { kind: 'Node', name: node },
      type: 'Warning',
      reason: 'ProbeFailed',
      message,
      time: Date.now(),
    }),
    { qos: 1 },
  );

const eventsOf = async (node: string) =>
  (await hub.client.list<Event>('events', 'default')).items.filter(
    (e) => e.involvedObject.name === node && e.reason === 'ProbeFailed',
  );

test('500 events differing only in message: a bounded number of Events, the count adds up; another board unaffected', async () => {
  const from = hub.gateway.stats.handled;
  const honestMessages = Array.from({ length: HONEST }, (_, i) => `honest probe ${i} failed`);
  await Promise.all([
    ...Array.from({ length: FLOOD }, (_, i) =>
      send(liar, LIAR, `probe failed: attempt ${i} at ${Date.now()}`),
    ),
    ...honestMessages.map((m) => send(honest, OTHER, m)),
  ]);
  await waitFor(`${FLOOD + HONEST} handled`, () => hub.gateway.stats.handled >= from + FLOOD + HONEST);
  assert.is(hub.gateway.stats.rateLimited, 0, 'the rate limit played no part');

  const lies = await eventsOf(LIAR);
  assert.is(lies.length, AGGREGATOR_MAX_EVENTS, 'nine apart and one aggregate');
  const total = lies.reduce((n, e) => n + (e.count ?? 1), 0);
  assert.is(total, FLOOD, 'every event counted once');
  const combined = lies.filter((e) => e.message?.startsWith(AGGREGATE_MESSAGE_PREFIX));
  assert.is(combined.length, 1);
  assert.is(combined[0].count, FLOOD - (AGGREGATOR_MAX_EVENTS - 1));
  assert.match(combined[0].message ?? '', /^\(combined from similar events\): probe failed: attempt \d+ at/);
  assert.is(
    combined[0].involvedObject.uid,
    (await hub.client.get<Node>('nodes', undefined, LIAR)).metadata.uid,
  );

  const calm = await eventsOf(OTHER);
  assert.equal(calm.map((e) => e.message).sort(), [...honestMessages].sort());
  assert.ok(calm.every((e) => e.count === 1 && e.source?.host === OTHER));
});

test.run();
