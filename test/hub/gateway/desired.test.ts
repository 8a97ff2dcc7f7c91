// Desired state: retained, QoS 1, per node, republished with the store revision on change.
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hub } from '../../../hub/hub.js';
import type { ConfigMap, Pod } from '../../../shared/api/types.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../shared/api/volumes.js';
import { topics } from '../../../shared/mqtt/topics.js';
import { type DesiredState, parseDesiredState } from '../../../shared/protocol/messages.js';
import { waitFor } from '../controllers/wait.js';
import { connectNode, join, sendStatus, tempDir, testHub } from './harness.js';

let dir: ReturnType<typeof tempDir>;
let hub: Hub;
const passwords: Record<string, string> = {};
const open: MqttClient[] = [];

test.before(async () => {
  dir = tempDir();
  hub = await testHub(dir.path);
  for (const n of ['d-1', 'd-2']) {
    passwords[n] = (await join(hub, n)).password!;
    // A Node object, as a real agent's first status makes: the pod GC force-deletes pods
    // bound to nodes that do not exist.
    const c = await connectNode(hub, n, passwords[n]);
    await sendStatus(c, n);
    await waitFor(`node ${n}`, () => hub.client.get('nodes', undefined, n).catch(() => undefined));
    await c.endAsync();
  }
});

test.after(async () => {
  await Promise.all(open.map((c) => c.endAsync(true)));
  await hub.stop();
  dir.cleanup();
});

/** Connects as node and records every desired state it receives. */
async function subscribeDesired(node: string): Promise<{ c: MqttClient; got: DesiredState[] }> {
  const c = await connectNode(hub, node, passwords[node]);
  open.push(c);
  const got: DesiredState[] = [];
  c.on('message', (_t, payload) => got.push(parseDesiredState(payload)));
  await c.subscribeAsync(topics.desired(node), { qos: 1 });
  return { c, got };
}

const pod = (name: string, nodeName: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName, containers: [{ name: 'c', image: 'nginx' }] },
});

test('a newly joined node has an empty desired set, retained for a later subscriber', async () => {
  const { got } = await subscribeDesired('d-1');
  const first = await waitFor('retained empty set', () => got[0]);
  assert.equal(first.pods, []);
  assert.ok(first.revision > 0);
});

test("a pod bound to a node is republished in that node's set only, with a newer revision", async () => {
  const one = await subscribeDesired('d-1');
  const two = await subscribeDesired('d-2');
  await waitFor('initial sets', () => one.got.length >= 1 && two.got.length >= 1);
  const rev0 = one.got[one.got.length - 1].revision;
  const created = await hub.client.create<Pod>('pods', 'default', pod('web-1', 'd-1'));
  const withPod = await waitFor('d-1 set with web-1', () =>
    one.got.find((s) => s.pods.some((p) => p.metadata.name === 'web-1')),
  );
  assert.ok(withPod.revision >= Number(created.metadata.resourceVersion));
  assert.ok(withPod.revision > rev0);
  assert.ok(
    two.got.every((s) => s.pods.length === 0),
    "d-2 never sees d-1's pod",
  );

  // Graceful delete: the pod stays in the set, marked, so the agent stops it...
  await hub.client.delete('pods', 'default', 'web-1');
  await waitFor('terminating pod in the set', () => {
    const last = one.got[one.got.length - 1];
    return last.pods.find((p) => p.metadata.name === 'web-1' && p.metadata.deletionTimestamp);
  });
  // ...and leaves it once the object is gone (what the agent's final delete does).
  await hub.client.delete('pods', 'default', 'web-1', { gracePeriodSeconds: 0 });
  const emptied = await waitFor('d-1 set emptied', () => {
    const last = one.got[one.got.length - 1];
    return last.pods.length === 0 && last.revision > withPod.revision ? last : undefined;
  });
  assert.equal(emptied.pods, []);
});

test('a client subscribing after the publish gets the current set (retained)', async () => {
  await hub.client.create<Pod>('pods', 'default', pod('late', 'd-2'));
  await waitFor('hub holds it', () => hub.gateway.desired.podsOf('d-2').length === 1);
  await waitFor('published', () => hub.gateway.desired.published > 0);
  // A fresh connection: only the retained message can deliver the set.
  const fresh = await subscribeDesired('d-2');
  const s = await waitFor('retained set with the late pod', () =>
    fresh.got.find((x) => x.pods.some((p) => p.metadata.name === 'late')),
  );
  assert.is(s.pods.length, 1);
});

test("a claim volume goes out as its bound volume's hostPath once the binder binds it", async () => {
  const one = await subscribeDesired('d-1');
  const p = pod('db-0', 'd-1');
  p.spec.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }];
  await hub.client.create<Pod>('pods', 'default', p);
  const unbound = await waitFor('d-1 set with db-0', () =>
    one.got.flatMap((s) => s.pods).find((x) => x.metadata.name === 'db-0'),
  );
  assert.equal(unbound.spec.volumes, p.spec.volumes, 'no claim yet: the claim volume as stored');

  await hub.client.create<PersistentVolumeClaim>('persistentvolumeclaims', 'default', {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data-db-0', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
  });
  await hub.client.create<PersistentVolume>('persistentvolumes', undefined, {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'pv-db-0' },
    spec: {
      capacity: { storage: '1Gi' },
      accessModes: ['ReadWriteOnce'],
      hostPath: { path: '/srv/db-0', type: 'DirectoryOrCreate' },
    },
  });
  const bound = await waitFor('db-0 republished with the hostPath', () =>
    one.got[one.got.length - 1].pods.find((x) => x.metadata.name === 'db-0' && x.spec.volumes?.[0].hostPath),
  );
  assert.equal(bound.spec.volumes, [
    { name: 'data', hostPath: { path: '/srv/db-0', type: 'DirectoryOrCreate' } },
  ]);
  const stored = await hub.client.get<Pod>('pods', 'default', 'db-0');
  assert.equal(stored.spec.volumes, p.spec.volumes, 'the stored pod keeps its claim volume');
  await hub.client.delete('pods', 'default', 'db-0', { gracePeriodSeconds: 0 });
});

test('a ConfigMap change republishes the sets of the nodes whose pods reference it, with its new data', async () => {
  const one = await subscribeDesired('d-1');
  const before = hub.gateway.desired.referencing.size();
  await hub.client.create<ConfigMap>('configmaps', 'default', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'default' },
    data: { level: 'info' },
  });
  const p = pod('reader', 'd-1');
  p.spec.containers[0].env = [
    { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'settings', key: 'level' } } },
  ];
  await hub.client.create<Pod>('pods', 'default', p);
  const level = (s: DesiredState) => s.configMaps?.find((c) => c.metadata.name === 'settings')?.data?.level;
  await waitFor('d-1 set with the ConfigMap', () => one.got.some((s) => level(s) === 'info'));
  await hub.client.patch('configmaps', 'default', 'settings', { data: { level: 'debug' } });
  await waitFor('d-1 republished with the new data', () => level(one.got[one.got.length - 1]) === 'debug');
  await hub.client.delete('pods', 'default', 'reader', { gracePeriodSeconds: 0 });
  await waitFor('the reverse index forgets the pod', () => hub.gateway.desired.referencing.size() === before);
});

test.run();
