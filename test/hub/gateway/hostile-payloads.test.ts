// Deeply nested and malformed MQTT payloads from a board with its own credential, on every
// topic the hub reads (issue #14): each is refused and counted, the hub keeps handling the
// board's valid reports. Payloads whose bytes are not valid UTF-8 are refused too, not
// repaired to U+FFFD (issue #20). A real hub (aedes, gateway, SQLite) and real mqtt.js.

import { isUtf8 } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hub } from '../../../hub/hub.js';
import type { Event, Node, Pod } from '../../../shared/api/types.js';
import { topics } from '../../../shared/mqtt/topics.js';
import { apiFetch } from '../../helpers/api.js';
import { assertProperty } from '../../helpers/property.js';
import { waitFor } from '../controllers/wait.js';
import {
  connectNode,
  join,
  mqttConnect,
  sendHeartbeat,
  sendStatus,
  statusReport,
  tempDir,
  testHub,
} from './harness.js';

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

async function metric(name: string): Promise<number> {
  const text = await (await apiFetch(hub.apiUrl, '/metrics')).text();
  const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  if (!m) throw new Error(`no ${name} in /metrics`);
  return Number(m[1]);
}
const invalidCount = () => metric('drover_gateway_messages_invalid');
const invalidUtf8Count = () => metric('drover_gateway_messages_invalid_utf8');

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
  await assertProperty(
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

const byte = (min: number, max: number) => fc.integer({ min, max });
const cont = byte(0x80, 0xbf);
/** Byte sequences that are not UTF-8 (RFC 3629 section 4's grammar), one family each. */
const invalidUtf8 = fc.oneof(
  fc.tuple(cont), // continuation byte without a lead
  fc.tuple(byte(0xc2, 0xf4), byte(0x20, 0x7e)), // lead byte cut short by ASCII
  fc.tuple(byte(0xc0, 0xc1), cont), // overlong two-byte form
  fc.tuple(fc.constant(0xe0), byte(0x80, 0x9f), cont), // overlong three-byte form
  fc.tuple(fc.constant(0xed), byte(0xa0, 0xbf), cont), // a UTF-16 surrogate encoded
  fc.tuple(fc.constant(0xf4), byte(0x90, 0xbf), cont, cont), // above U+10FFFF
  fc.tuple(byte(0xf5, 0xff)), // never a UTF-8 byte
);

const MARK = '@@BAD@@';
/** The JSON of a valid message with MARK in one string replaced by `bad` (a board's own bytes). */
function withBytes(message: object, bad: Uint8Array): Buffer {
  const [before, after] = JSON.stringify(message).split(MARK);
  return Buffer.concat([Buffer.from(before), bad, Buffer.from(after)]);
}

test('payloads that are not valid UTF-8 are refused on every hub topic, counted, nothing stored', async () => {
  await sendStatus(agent, NODE);
  const node = await waitFor('node reported', async () => {
    const x = await hub.client.get<Node>('nodes', undefined, NODE).catch(() => undefined);
    return x?.status?.nodeInfo ? x : undefined;
  });
  const pod = await hub.client.create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'utf8', namespace: 'default' },
    spec: { nodeName: NODE, containers: [{ name: 'c', image: 'nginx' }] },
  });
  const joinId = `join-${randomBytes(6).toString('hex')}`;
  const token = hub.bootstrapToken;
  const joiner = await mqttConnect(hub, {
    clientId: joinId,
    username: `bootstrap:${token.split('.')[0]}`,
    password: token,
  });
  // Each topic with a message that is valid but for the bytes at MARK.
  const cases: [string, MqttClient, object][] = [
    [topics.joinRequest(joinId), joiner, { v: 1, nodeName: 'utf8-join', token, labels: { zone: MARK } }],
    [
      topics.status(NODE),
      agent,
      statusReport(NODE, { nodeInfo: { ...node.status!.nodeInfo!, osImage: MARK } }),
    ],
    [topics.lease(NODE), agent, { v: 1, seq: 1, time: Date.now(), note: MARK }],
    [topics.will(NODE), agent, { v: 1, reason: MARK }],
    [
      topics.podStatus(NODE, 'default', 'utf8'),
      agent,
      { v: 1, uid: pod.metadata.uid, status: { phase: 'Running', message: MARK } },
    ],
    [
      topics.events(NODE),
      agent,
      {
        v: 1,
        involvedObject: { kind: 'Node', name: NODE },
        type: 'Normal',
        reason: 'Utf8',
        message: MARK,
        time: 1,
      },
    ],
    [topics.rpcResponse(NODE, 'r2'), agent, { v: 1, seq: 0, done: true, data: MARK }],
    [
      topics.metrics(NODE),
      agent,
      {
        v: 1,
        timestamp: new Date().toISOString(),
        windowSeconds: 15,
        node: { cpuNanoCores: 1, memoryBytes: 1 },
        pods: [{ namespace: 'default', name: MARK, uid: 'u', containers: [] }],
      },
    ],
  ];
  const [invalidBefore, utf8Before] = [await invalidCount(), await invalidUtf8Count()];
  let sent = 0;
  try {
    await assertProperty(
      fc.asyncProperty(
        fc.constantFrom(...cases),
        fc.string({ maxLength: 8 }),
        invalidUtf8,
        fc.string({ maxLength: 8 }),
        async ([topic, client, message], pre, bad, post) => {
          const bytes = Buffer.concat([Buffer.from(pre), Buffer.from(bad), Buffer.from(post)]);
          const payload = withBytes(message, bytes);
          assert.not.ok(isUtf8(payload), 'the generator makes invalid UTF-8');
          await client.publishAsync(topic, payload, { qos: 1 });
          sent++;
        },
      ),
      { numRuns: 70 },
    );
  } finally {
    await joiner.endAsync(true);
  }
  await waitFor(
    `${sent} refused as invalid UTF-8`,
    async () => (await invalidUtf8Count()) - utf8Before >= sent,
  );
  assert.is((await invalidUtf8Count()) - utf8Before, sent, 'each refused exactly once');
  assert.is((await invalidCount()) - invalidBefore, sent, 'and counted among the invalid messages');
  // Nothing of them stored: no joined node, the status, the pod and the events as before.
  assert.is(await hub.client.get<Node>('nodes', undefined, 'utf8-join').catch(() => undefined), undefined);
  const after = await hub.client.get<Node>('nodes', undefined, NODE);
  assert.is(after.status?.nodeInfo?.osImage, node.status?.nodeInfo?.osImage);
  const p = await hub.client.get<Pod>('pods', 'default', 'utf8');
  assert.is(p.status?.message, undefined);
  const events = (await hub.client.list<Event>('events', 'default')).items;
  assert.is(events.filter((e) => e.reason === 'Utf8').length, 0);
  // The same event with valid bytes is recorded: the refusal was the bytes, nothing else.
  await agent.publishAsync(topics.events(NODE), withBytes(cases[5][2], Buffer.from('\u00e9t\u00e9')), {
    qos: 1,
  });
  const ok = await waitFor('the valid event', async () =>
    (await hub.client.list<Event>('events', 'default')).items.find((e) => e.reason === 'Utf8'),
  );
  assert.is(ok.message, '\u00e9t\u00e9');
});

test('deflated payloads: bombs and broken streams on every hub topic are refused and counted; a deflated status lands', async () => {
  await sendStatus(agent, NODE);
  const before = await waitFor('node reported', async () => {
    const x = await hub.client.get<Node>('nodes', undefined, NODE).catch(() => undefined);
    return x?.status?.nodeInfo ? x : undefined;
  });
  const status = statusReport(NODE, { nodeInfo: { ...before.status!.nodeInfo!, osImage: 'Deflated Linux' } });
  const hostile = [
    // 100 MB of one byte in ~100 KB: past MAX_AGENT_PAYLOAD_BYTES once inflated
    deflateSync(Buffer.alloc(100 * 2 ** 20, 0x20), { level: 9 }),
    // a status whose inflated JSON is 2 MB (valid but for its size)
    deflateSync(Buffer.from(JSON.stringify({ ...status, pad: 'x'.repeat(2 * 2 ** 20) }))),
    deflateSync(Buffer.from(JSON.stringify(status))).subarray(0, 60), // cut short
    Buffer.concat([Buffer.from([0x78, 0x9c]), randomBytes(200)]), // a header, then noise
  ];
  const invalidBefore = await invalidCount();
  for (const topic of TOPICS)
    for (const payload of hostile) await agent.publishAsync(topic, payload, { qos: 1 });
  const sent = TOPICS.length * hostile.length;
  await waitFor(
    `${sent} deflated messages counted invalid`,
    async () => (await invalidCount()) - invalidBefore >= sent,
  );
  assert.is((await invalidCount()) - invalidBefore, sent, 'each refused exactly once');
  const same = await hub.client.get<Node>('nodes', undefined, NODE);
  assert.is(same.status?.nodeInfo?.osImage, before.status?.nodeInfo?.osImage, 'nothing of them stored');
  // The same status deflated as an agent sends it is taken.
  await agent.publishAsync(topics.status(NODE), deflateSync(Buffer.from(JSON.stringify(status))), { qos: 1 });
  await waitFor('the deflated status stored', async () => {
    const x = await hub.client.get<Node>('nodes', undefined, NODE);
    return x.status?.nodeInfo?.osImage === 'Deflated Linux' ? x : undefined;
  });
});

test.run();
