// Deeply nested and malformed MQTT payloads from a board with its own credential, on every
// topic the hub reads (issue #14): each is refused and counted, the hub keeps handling the
// board's valid reports. A real hub (aedes, gateway, SQLite) and real mqtt.js.

import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hub } from '../../../hub/hub.js';
import type { Node } from '../../../shared/api/types.js';
import { topics } from '../../../shared/mqtt/topics.js';
import { apiFetch } from '../../helpers/api.js';
import { waitFor } from '../controllers/wait.js';
import { connectNode, join, sendHeartbeat, sendStatus, tempDir, testHub } from './harness.js';

let dir: ReturnType<typeof tempDir>;
let hub: Hub;
let agent: MqttClient;
const NODE = 'edge-deep';

test.before(async () => {
  dir = tempDir();
  hub = await testHub(dir.path);
  const res = await join(hub, NODE);
  agent = await connectNode(hub, NODE, res.password!);
});

test.after(async () => {
  await agent.endAsync(true);
  await hub.stop();
  dir.cleanup();
});

async function invalidCount(): Promise<number> {
  const text = await (await apiFetch(hub.apiUrl, '/metrics')).text();
  const m = /^drover_gateway_messages_invalid (\d+)/m.exec(text);
  if (!m) throw new Error('no drover_gateway_messages_invalid in /metrics');
  return Number(m[1]);
}

const TOPICS = [
  topics.status(NODE),
  topics.lease(NODE),
  topics.podStatus(NODE, 'default', 'p'),
  topics.events(NODE),
  topics.rpcResponse(NODE, 'r1'),
];

/** A protocol-shaped object whose one field nests `depth` levels. */
function deep(depth: number, open: string, close: string): string {
  return `{"v":1,"nodeName":"${NODE}","x":${open.repeat(depth)}1${close.repeat(depth)}}`;
}

test('deep, truncated and non-JSON payloads on every hub topic are refused and counted; valid reports still land', async () => {
  const before = await invalidCount();
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...TOPICS),
      // Up to ~1.5 MB: larger packets never reach the gateway, the broker cuts the connection
      // at their header (test/hub/broker/limits.test.ts).
      fc.integer({ min: 33, max: 250_000 }),
      fc.constantFrom<[string, string]>(['[', ']'], ['{"a":', '}']),
      fc.constantFrom('whole', 'truncated', 'garbage'),
      async (topic, depth, [open, close], form) => {
        const whole = deep(depth, open, close);
        const payload =
          form === 'whole'
            ? whole
            : form === 'truncated'
              ? whole.slice(0, whole.length / 2)
              : `\u0000${whole}`;
        await agent.publishAsync(topic, payload, { qos: 1 });
        sent++;
      },
    ),
    { numRuns: 40 },
  );
  await waitFor(`${sent} messages counted invalid`, async () => (await invalidCount()) - before >= sent);
  assert.is((await invalidCount()) - before, sent, 'each refused exactly once');
  await sendStatus(agent, NODE);
  await sendHeartbeat(agent, NODE);
  const n = await waitFor('the node from a valid report after the hostile ones', async () => {
    const x = await hub.client.get<Node>('nodes', undefined, NODE).catch(() => undefined);
    return x?.status?.nodeInfo ? x : undefined;
  });
  assert.is(n.metadata.name, NODE);
});

test.run();
