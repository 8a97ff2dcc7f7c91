// Status reports, heartbeats, pod status and agent events through a real hub.
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hub } from '../../../hub/hub.js';
import type { Event, Lease, Node, Pod } from '../../../shared/api/types.js';
import { topics } from '../../../shared/mqtt/topics.js';
import { type AgentEvent, encode, type PodStatusReport } from '../../../shared/protocol/messages.js';
import { delay, waitFor } from '../controllers/wait.js';
import { connectNode, join, sendHeartbeat, sendStatus, tempDir, testHub } from './harness.js';

let dir: ReturnType<typeof tempDir>;
let hub: Hub;
let agent: MqttClient;

test.before(async () => {
  dir = tempDir();
  hub = await testHub(dir.path);
  const res = await join(hub, 'edge-1');
  agent = await connectNode(hub, 'edge-1', res.password!);
});

test.after(async () => {
  await agent.endAsync(true);
  await hub.stop();
  dir.cleanup();
});

const getNode = () => hub.client.get<Node>('nodes', undefined, 'edge-1');

test('a status report creates the Node with labels and status visible through the API', async () => {
  await sendStatus(agent, 'edge-1');
  const n = await waitFor('node with status', async () => {
    const x = await getNode();
    return x.status?.nodeInfo ? x : undefined;
  });
  assert.is(n.metadata.labels?.['kubernetes.io/hostname'], 'edge-1');
  assert.is(n.metadata.labels?.['kubernetes.io/arch'], 'arm64');
  assert.is(n.metadata.labels?.['kubernetes.io/os'], 'linux');
  assert.is(n.metadata.labels?.['drover.io/board'], 'pi4', "the agent's own labels");
  assert.is(n.status?.capacity?.cpu, '4');
  assert.is(n.status?.allocatable?.memory, '3625Mi');
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  assert.is(ready?.status, 'True');
  assert.ok(ready?.lastTransitionTime && ready.lastHeartbeatTime);
  assert.ok(hub.leases.lastSeen('edge-1'), 'a status report counts as a heartbeat');
});

test('an unchanged status is not written again; a changed one is', async () => {
  const before = await getNode();
  const handled = hub.gateway.stats.handled;
  await sendStatus(agent, 'edge-1');
  await sendHeartbeat(agent, 'edge-1'); // same connection, in order: once handled, the status was too
  await waitFor('both handled', () => hub.gateway.stats.handled >= handled + 2);
  assert.is((await getNode()).metadata.resourceVersion, before.metadata.resourceVersion, 'no write');
  await sendStatus(agent, 'edge-1', { allocatable: { cpu: '3', memory: '3625Mi', pods: '110' } });
  await waitFor('allocatable updated', async () => (await getNode()).status?.allocatable?.cpu === '3');
});

test('heartbeats update the lease table and lazily create the Lease object', async () => {
  const t0 = hub.leases.lastSeen('edge-1') ?? 0;
  await delay(5);
  await sendHeartbeat(agent, 'edge-1');
  await waitFor('lastSeen moves', () => (hub.leases.lastSeen('edge-1') ?? 0) > t0);
  const lease = await waitFor('Lease in kube-node-lease', () =>
    hub.client.get<Lease>('leases', 'kube-node-lease', 'edge-1'),
  );
  assert.is(lease.spec.holderIdentity, 'edge-1');
  assert.match(lease.spec.renewTime ?? '', /\.\d{6}Z$/);
  const rv = lease.metadata.resourceVersion;
  for (let i = 0; i < 5; i++) await sendHeartbeat(agent, 'edge-1');
  await delay(100);
  const again = await hub.client.get<Lease>('leases', 'kube-node-lease', 'edge-1');
  assert.is(again.metadata.resourceVersion, rv, 'no store write per heartbeat (persist interval 60 s)');
  // Each heartbeat's delay (agent send -> lease recorded) lands in the metrics.
  const metrics = await (await fetch(`${hub.apiUrl}/metrics`)).text();
  const count = /^drover_heartbeat_delay_seconds_count (\d+)$/m.exec(metrics);
  assert.ok(count && Number(count[1]) >= 6, `heartbeat delays observed: ${count?.[1]}`);
});

test('bad payloads are counted and logged, never fatal', async () => {
  const invalid = hub.gateway.stats.invalid;
  await agent.publishAsync(topics.status('edge-1'), 'not json', { qos: 1 });
  await agent.publishAsync(topics.lease('edge-1'), JSON.stringify({ v: 99 }), { qos: 1 });
  await agent.publishAsync(topics.status('edge-1'), JSON.stringify({ v: 1, nodeName: 'edge-1' }), { qos: 1 });
  await waitFor('3 invalid counted', () => hub.gateway.stats.invalid >= invalid + 3);
  await sendHeartbeat(agent, 'edge-1');
  assert.ok(hub.gateway.connected());
});

test('a status naming another node on its own topic is refused', async () => {
  const invalid = hub.gateway.stats.invalid;
  await sendStatus(agent, 'edge-1', { nodeName: 'edge-2' });
  await waitFor('refused', () => hub.gateway.stats.invalid > invalid);
  try {
    await hub.client.get<Node>('nodes', undefined, 'edge-2');
    assert.unreachable('edge-2 must not exist');
  } catch (e) {
    assert.is((e as { code?: number }).code, 404);
  }
});

test('pod status from the agent lands in pods/status; agent events become v1 Events', async () => {
  const pod = await hub.client.create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: { nodeName: 'edge-1', containers: [{ name: 'c', image: 'nginx' }] },
  });
  await agent.publishAsync(
    topics.podStatus('edge-1', 'default', 'web'),
    encode<PodStatusReport>({ uid: pod.metadata.uid!, status: { phase: 'Running', podIP: '10.0.0.9' } }),
    { qos: 1 },
  );
  await waitFor(
    'pod Running',
    async () => (await hub.client.get<Pod>('pods', 'default', 'web')).status?.phase === 'Running',
  );
  await agent.publishAsync(
    topics.events('edge-1'),
    encode<AgentEvent>({
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' },
      type: 'Normal',
      reason: 'Pulled',
      message: 'image pulled',
      time: Date.now(),
    }),
    { qos: 1 },
  );
  const ev = await waitFor('Pulled event', async () =>
    (await hub.client.list<Event>('events', 'default')).items.find((e) => e.reason === 'Pulled'),
  );
  assert.is(ev.involvedObject.name, 'web');
  assert.is(ev.source?.host, 'edge-1');
});

test.run();
