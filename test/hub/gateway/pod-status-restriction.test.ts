// The lying board, pod status edition (real hub, the board as mqtt.js with its own
// credential): a report may change only what a kubelet writes, validated; a lie is refused
// whole and the pod keeps its last good status, API-set fields (qosClass, nominatedNodeName)
// included.
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hub } from '../../../hub/hub.js';
import type { Pod, PodStatus } from '../../../shared/api/types.js';
import { topics } from '../../../shared/mqtt/topics.js';
import { encode, type PodStatusReport } from '../../../shared/protocol/messages.js';
import { waitFor } from '../controllers/wait.js';
import { connectNode, join, sendStatus, tempDir, testHub } from './harness.js';

let dir: ReturnType<typeof tempDir>;
let hub: Hub;
let liar: MqttClient;
let pod: Pod;

const LIAR = 'board-p';
const getPod = () => hub.client.get<Pod>('pods', 'default', 'web');

test.before(async () => {
  dir = tempDir();
  hub = await testHub(dir.path);
  liar = await connectNode(hub, LIAR, (await join(hub, LIAR)).password!);
  await sendStatus(liar, LIAR);
  pod = await hub.client.create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      nodeName: LIAR,
      containers: [{ name: 'c', image: 'nginx', resources: { limits: { cpu: '1', memory: '64Mi' } } }],
    },
  });
});

test.after(async () => {
  await liar.endAsync(true);
  await hub.stop();
  dir.cleanup();
});

const send = (status: PodStatus) =>
  liar.publishAsync(
    topics.podStatus(LIAR, 'default', 'web'),
    encode<PodStatusReport>({ uid: pod.metadata.uid!, status }),
    { qos: 1 },
  );

const running: PodStatus = {
  phase: 'Running',
  podIP: '10.0.0.9',
  conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [
    { name: 'c', ready: true, restartCount: 0, image: 'nginx', imageID: 'sha256:1', state: { running: {} } },
  ],
};

test('a valid report changes only what a node owns: qosClass and nominatedNodeName are kept', async () => {
  assert.is(pod.status?.qosClass, 'Guaranteed');
  await send({ ...running, qosClass: 'BestEffort', nominatedNodeName: 'board-b' });
  const p = await waitFor('pod Running', async () =>
    (await getPod()).status?.phase === 'Running' ? getPod() : undefined,
  );
  assert.is(p.status?.qosClass, 'Guaranteed', 'API-set field kept');
  assert.is(p.status?.nominatedNodeName, undefined, 'a node cannot nominate');
  assert.is(p.status?.podIP, '10.0.0.9');
});

const lies: [string, PodStatus][] = [
  ['phase FUZZ', { ...running, phase: 'FUZZ' as 'Running' }],
  ['status {} wiping it', {}],
  [
    'a container not in the spec',
    {
      ...running,
      containerStatuses: [{ name: 'ghost', ready: true, restartCount: -7, image: 'x', imageID: '' }],
    },
  ],
  [
    'negative restart count',
    { ...running, containerStatuses: [{ ...running.containerStatuses![0], restartCount: -7 }] },
  ],
  ['two Ready conditions', { ...running, conditions: [...running.conditions!, ...running.conditions!] }],
  ['condition status FUZZ', { ...running, conditions: [{ type: 'Ready', status: 'FUZZ' as 'True' }] }],
  ['podIP that is no IP', { ...running, podIP: 'not-an-ip' }],
  ['ANSI escape in a reason', { ...running, reason: '\u001b[31mred' }],
];

test('each pod status lie is refused whole; the pod keeps its last good status', async () => {
  const before = await getPod();
  for (const [name, status] of lies) {
    const refused = hub.gateway.stats.refused;
    await send(status);
    await waitFor(`${name}: refused`, () => hub.gateway.stats.refused > refused);
  }
  const after = await getPod();
  assert.is(after.metadata.resourceVersion, before.metadata.resourceVersion, 'nothing written');
  assert.is(after.status?.phase, 'Running');
  assert.is(after.status?.qosClass, 'Guaranteed');
});

test('control characters in free text are replaced, not stored and not refused', async () => {
  await send({ ...running, message: 'crashed: \u001b[31mred\u001b[0m\nnext line' });
  const p = await waitFor('message stored', async () =>
    (await getPod()).status?.message ? getPod() : undefined,
  );
  assert.is(p.status?.message, 'crashed: \ufffd[31mred\ufffd[0m\nnext line');
  await send({ ...running, message: 'x'.repeat(1024 * 1024) });
  await waitFor(
    'a 1 MiB message cut to 4096 characters',
    async () => (await getPod()).status?.message?.length === 4096,
  );
});

test('a terminal phase cannot go back to Running', async () => {
  await send({ ...running, phase: 'Failed', containerStatuses: [] });
  await waitFor('pod Failed', async () => (await getPod()).status?.phase === 'Failed');
  const refused = hub.gateway.stats.refused;
  await send(running);
  await waitFor('refused', () => hub.gateway.stats.refused > refused);
  assert.is((await getPod()).status?.phase, 'Failed');
});

test.run();
