// A board that stops reading, against a real hub (aedes behind the packet guard, mqtt.js
// boards over MQTTS): what the hub queues for it stays bounded by the per-client limit
// (--mqtt-max-queued-bytes), it is disconnected with a Warning Event on its Node and the
// drover_mqtt_clients_cut_off metric, and a board that reads keeps getting its desired state.
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CUT_OFF_EVENT_REASONS } from '../../../hub/broker/cut-off-events.js';
import type { Event, Pod } from '../../../shared/api/types.js';
import { topics } from '../../../shared/mqtt/topics.js';
import { parseDesiredState } from '../../../shared/protocol/messages.js';
import { metricSum, scrapeMetrics } from '../../helpers/hub-metrics.js';
import { waitFor } from '../controllers/wait.js';
import { connectNode, hubPerFile, join, sendStatus } from '../gateway/harness.js';

const MiB = 2 ** 20;
const QUEUE_LIMIT = 2 * MiB; // the smallest limit the hub accepts
const ANNOTATION = 'a'.repeat(200 * 1024); // each pod adds 200 KiB to the board's desired state
const MAX_PODS = 80;
const hub = hubPerFile({ mqttMaxQueuedBytes: QUEUE_LIMIT });
const clients: MqttClient[] = [];

test.after(async () => {
  for (const c of clients) await c.endAsync(true).catch(() => {});
});

async function board(name: string): Promise<MqttClient> {
  const h = hub();
  const c = await connectNode(h, name, (await join(h, name)).password!);
  clients.push(c);
  await sendStatus(c, name);
  await c.subscribeAsync(topics.desired(name), { qos: 1 });
  return c;
}

const pod = (name: string, node: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', annotations: { big: ANNOTATION } },
  spec: { nodeName: node, containers: [{ name: 'c', image: 'busybox:1' }] },
});

test('a board that stops reading is cut off at its queue limit, with an Event and a metric; others are served', async () => {
  const h = hub();
  const slow = await board('slow-reader');
  const fast = await board('fast-reader');
  // Stop reading: the TLS socket is no longer read, so what the broker writes piles up.
  slow.stream.unpipe();
  slow.stream.pause();

  const cutOff = async () =>
    metricSum(await scrapeMetrics(h.apiUrl), 'drover_mqtt_clients_cut_off', { reason: 'slow-consumer' });
  assert.is(await cutOff(), 0);
  let created = 0;
  while (created < MAX_PODS && (await cutOff()) === 0) {
    await h.client.create<Pod>('pods', 'default', pod(`big-${created}`, 'slow-reader'));
    created++;
  }
  assert.is(
    await cutOff(),
    1,
    `cut off after ${created} pods (${created * 200} KiB per desired state at the end)`,
  );
  // Its socket is not read, so the board itself cannot see the close: the broker's side says it.
  await waitFor(
    'the broker to drop the slow board',
    () => !h.broker?.isConnected('node-slow-reader'),
    10_000,
    50,
  );

  const ev = await waitFor(
    'a Warning Event on the slow board',
    async () =>
      (await h.client.list<Event>('events', 'default')).items.find(
        (e) => e.involvedObject.name === 'slow-reader' && e.reason === CUT_OFF_EVENT_REASONS['slow-consumer'],
      ),
    10_000,
    100,
  );
  assert.is(ev.type, 'Warning');
  // Bounded: what was queued when it was cut off is the limit plus at most one desired state.
  const queued = Number(/(\d+) bytes queued/.exec(ev.message ?? '')?.[1]);
  assert.ok(queued > QUEUE_LIMIT, ev.message);
  assert.ok(queued <= QUEUE_LIMIT + (created + 1) * (ANNOTATION.length + 4096), `${queued} bytes queued`);

  // The board that reads still gets its desired state.
  const got = new Promise<number>((resolve) =>
    fast.on('message', (topic, payload) => {
      if (topic === topics.desired('fast-reader')) resolve(parseDesiredState(payload).pods.length);
    }),
  );
  await h.client.create<Pod>('pods', 'default', {
    ...pod('small', 'fast-reader'),
    metadata: { name: 'small', namespace: 'default' },
  });
  assert.is(await got, 1);
  assert.ok(fast.connected);
});

test.run();
