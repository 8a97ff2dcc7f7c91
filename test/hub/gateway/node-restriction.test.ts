// The lying board, status edition: a real hub, and a board played by mqtt.js with its own
// credential publishing only on its own topics. Each lie is refused (or the hub's value wins),
// the refusal is counted and told as a Warning event, and nothing valid changes.
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hub } from '../../../hub/hub.js';
import type { Event, Node, Pod } from '../../../shared/api/types.js';
import { topics } from '../../../shared/mqtt/topics.js';
import {
  type DesiredState,
  type NodeStatusReport,
  parseDesiredState,
} from '../../../shared/protocol/messages.js';
import { waitFor } from '../controllers/wait.js';
import { connectNode, join, sendStatus, statusReport, tempDir, testHub } from './harness.js';

let dir: ReturnType<typeof tempDir>;
let hub: Hub;
let liar: MqttClient;

const LIAR = 'board-a';
const getNode = () => hub.client.get<Node>('nodes', undefined, LIAR);

test.before(async () => {
  dir = tempDir();
  hub = await testHub(dir.path);
  liar = await connectNode(hub, LIAR, (await join(hub, LIAR)).password!);
  await sendStatus(liar, LIAR);
  await waitFor(
    'the liar registered',
    async () => (await getNode().catch(() => undefined))?.status?.nodeInfo,
  );
});

test.after(async () => {
  await liar.endAsync(true);
  await hub.stop();
  dir.cleanup();
});

/** Sends a report and waits until the gateway has refused it; returns the refusal count after. */
async function sendRefused(over: Partial<NodeStatusReport>): Promise<void> {
  const refused = hub.gateway.stats.refused;
  await sendStatus(liar, LIAR, over);
  await waitFor('report refused', () => hub.gateway.stats.refused > refused);
}

const good = statusReport(LIAR);
const big = 'x'.repeat(1024 * 1024);
const lies: [string, Partial<NodeStatusReport>][] = [
  [
    'inflated capacity',
    {
      capacity: { cpu: '1e12', memory: '1e18', pods: '110' },
      allocatable: { cpu: '1e12', memory: '1e18', pods: '110' },
    },
  ],
  [
    'negative cpu',
    { capacity: { ...good.capacity, cpu: '-64' }, allocatable: { ...good.allocatable, cpu: '-64' } },
  ],
  [
    'negative pods',
    { capacity: { ...good.capacity, pods: '-5' }, allocatable: { ...good.allocatable, pods: '-5' } },
  ],
  ['1e308 memory', { capacity: { ...good.capacity, memory: '1e308' } }],
  ['allocatable above capacity', { allocatable: { ...good.allocatable, cpu: '8' } }],
  [
    'fractional pods',
    { capacity: { ...good.capacity, pods: '1.5' }, allocatable: { ...good.allocatable, pods: '1.5' } },
  ],
  ['empty resource name', { capacity: { ...good.capacity, '': '1' } }],
  [
    '__proto__ resource',
    { capacity: JSON.parse('{"cpu":"4","memory":"3881Mi","pods":"110","__proto__":"1"}') },
  ],
  ['1 KiB resource name', { capacity: { ...good.capacity, [`example.com/${'g'.repeat(1024)}`]: '1' } }],
  [
    'label flood',
    { labels: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`drover.io/l${i}`, 'v'])) },
  ],
  ['control-plane role label', { labels: { 'node-role.kubernetes.io/control-plane': '' } }],
  ['foreign-prefix label', { labels: { 'example.com/tier': 'gold' } }],
  ['two Ready conditions', { conditions: [...good.conditions, ...good.conditions] }],
  ['Ready status FUZZ', { conditions: [{ type: 'Ready', status: 'FUZZ' as 'True' }] }],
  [
    '10,005 conditions',
    { conditions: Array.from({ length: 10_005 }, (_, i) => ({ type: `C${i}`, status: 'True' as const })) },
  ],
  [
    '10,000 images',
    { images: Array.from({ length: 10_000 }, (_, i) => ({ names: [`img${i}`], sizeBytes: 1 })) },
  ],
  ['1 MiB osImage', { nodeInfo: { ...good.nodeInfo, osImage: big } }],
  ['lone surrogate in an address', { addresses: [{ type: 'InternalIP', address: '10.0.0.7\ud800' }] }],
  ['ANSI escape in osImage', { nodeInfo: { ...good.nodeInfo, osImage: '\u001b[2J Debian' } }],
  ['arch that is not a label value', { nodeInfo: { ...good.nodeInfo, architecture: 'arm 64!' } }],
];

test('every lie is refused whole: the Node stays as last reported, counted, with one Warning event', async () => {
  const before = await getNode();
  for (const [name, over] of lies) {
    try {
      await sendRefused(over);
    } catch (e) {
      throw new Error(`${name}: ${(e as Error).message}`);
    }
  }
  const after = await getNode();
  assert.is(after.metadata.resourceVersion, before.metadata.resourceVersion, 'nothing written');
  assert.equal(after.status?.capacity, good.capacity);
  const metrics = await (await fetch(`${hub.apiUrl}/metrics`)).text();
  const refused = /^drover_gateway_reports_refused_total\{kind="node status"\} (\d+)$/m.exec(metrics);
  assert.is(Number(refused?.[1]), lies.length);
  const events = (await hub.client.list<Event>('events', 'default')).items.filter(
    (e) => e.reason === 'ReportRefused' && e.involvedObject.name === LIAR,
  );
  assert.is(events.length, 1, 'one Warning per node and interval, not one per lie');
  assert.is(events[0].type, 'Warning');
  assert.ok((events[0].message ?? '').length <= 1024);
});

test('a spoofed hostname label is overwritten: pods pinned to another board are not bound to the liar', async () => {
  await hub.client.create('secrets', 'default', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'b-only', namespace: 'default' },
    stringData: { key: 'board-b secret' },
  });
  const handled = hub.gateway.stats.handled;
  await sendStatus(liar, LIAR, {
    labels: { 'kubernetes.io/hostname': 'board-b', 'kubernetes.io/arch': 'amd64', 'drover.io/board': 'pi4' },
  });
  await waitFor('report handled', () => hub.gateway.stats.handled > handled);
  const n = await getNode();
  assert.is(n.metadata.labels?.['kubernetes.io/hostname'], LIAR, "the hub's value wins");
  assert.is(n.metadata.labels?.['kubernetes.io/arch'], 'arm64', 'arch comes from nodeInfo');
  await hub.client.create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'pinned', namespace: 'default' },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': 'board-b' },
      containers: [
        {
          name: 'c',
          image: 'busybox',
          env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 'b-only', key: 'key' } } }],
        },
      ],
    },
  });
  const p = await waitFor('scheduler gave up on the pod', async () => {
    const x = await hub.client.get<Pod>('pods', 'default', 'pinned');
    return x.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False')
      ? x
      : undefined;
  });
  assert.is(p.spec.nodeName, undefined, 'never bound to the liar');
});

test('with board-b present, the pinned pod and its Secret reach board-b and never the liar', async () => {
  const desiredOf = new Map<string, DesiredState[]>();
  const listen = async (c: MqttClient, node: string) => {
    desiredOf.set(node, []);
    c.on('message', (topic, payload) => {
      if (topic === topics.desired(node)) desiredOf.get(node)?.push(parseDesiredState(payload));
    });
    await c.subscribeAsync(topics.desired(node), { qos: 1 });
  };
  const boardB = await connectNode(hub, 'board-b', (await join(hub, 'board-b')).password!);
  try {
    await listen(liar, LIAR);
    await listen(boardB, 'board-b');
    await sendStatus(boardB, 'board-b');
    const p = await waitFor(
      'pinned pod bound',
      async () => {
        const x = await hub.client.get<Pod>('pods', 'default', 'pinned');
        return x.spec.nodeName ? x : undefined;
      },
      15_000,
    );
    assert.is(p.spec.nodeName, 'board-b');
    await waitFor("board-b's desired state carries its Secret", () =>
      desiredOf.get('board-b')?.some((d) => d.secrets?.some((x) => x.metadata.name === 'b-only')),
    );
    await waitFor("the liar's own desired state received", () => (desiredOf.get(LIAR)?.length ?? 0) > 0);
    for (const d of desiredOf.get(LIAR) ?? []) {
      assert.not.ok(
        d.secrets?.some((x) => x.metadata.name === 'b-only'),
        'no foreign Secret',
      );
      assert.not.ok(
        d.pods.some((x) => x.metadata.name === 'pinned'),
        'no foreign pod',
      );
    }
  } finally {
    await boardB.endAsync(true);
  }
});

test('a 1 MiB condition message is cut to 4096 characters, its control characters replaced', async () => {
  await sendStatus(liar, LIAR, {
    conditions: [{ type: 'Ready', status: 'True', message: `\u001b[2J${big}` }],
  });
  const n = await waitFor('message stored', async () => {
    const x = await getNode();
    return x.status?.conditions?.[0]?.message?.startsWith('\ufffd') ? x : undefined;
  });
  const m = n.status?.conditions?.[0]?.message ?? '';
  assert.is(m.length, 4096);
  assert.is(m.slice(0, 5), '\ufffd[2Jx');
});

test('labels the agent stops reporting are removed; an admin label stays', async () => {
  await sendStatus(liar, LIAR, { labels: { 'drover.io/board': 'pi4', 'drover.io/zone': 'lab' } });
  await waitFor(
    'zone label set',
    async () => (await getNode()).metadata.labels?.['drover.io/zone'] === 'lab',
  );
  // A merge patch without resourceVersion, as kubectl label does: the gateway may write meanwhile.
  await hub.client.patch<Node>(
    'nodes',
    undefined,
    LIAR,
    { metadata: { labels: { 'example.com/owner': 'ops' } } },
    'merge',
  );
  await sendStatus(liar, LIAR, { labels: { 'drover.io/board': 'pi4' } });
  const after = await waitFor('zone label removed', async () => {
    const x = await getNode();
    return x.metadata.labels?.['drover.io/zone'] === undefined ? x : undefined;
  });
  assert.is(after.metadata.labels?.['example.com/owner'], 'ops');
  assert.is(after.metadata.labels?.['drover.io/board'], 'pi4');
  assert.is(after.metadata.annotations?.['drover.io/agent-labels'], 'drover.io/board');
});

test.run();
