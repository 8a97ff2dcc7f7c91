// StatefulSets with the real kubectl on the real API (the FakeKubelet fixture marks pods
// Ready): pods come up in ordinal order, each waiting for the one below to be Ready; claims
// from volumeClaimTemplates; kubectl's columns; a rolling update replaces the pods, and
// `kubectl rollout status|history|undo sts` see and revert it;
// scale down removes from the top; deleting the set collects its pods.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GarbageCollector } from '../../../hub/controllers/garbage-collector.js';
import { StatefulSetController } from '../../../hub/controllers/statefulset.js';
import type { StatefulSet } from '../../../shared/api/statefulset.js';
import type { Pod } from '../../../shared/api/types.js';
import type { PersistentVolumeClaim } from '../../../shared/api/volumes.js';
import { createLogger } from '../../../shared/log.js';
import { type Fixture, startFixture } from './deployment-fixture.js';
import { waitFor } from './wait.js';

let f: Fixture;
let ctl: StatefulSetController;
let gc: GarbageCollector;

test.before(async () => {
  f = await startFixture();
  ctl = new StatefulSetController({ client: f.client, log: createLogger('sts', 40) });
  gc = new GarbageCollector({ client: f.client, log: createLogger('gc', 40) });
  await ctl.start();
  await gc.start();
});
test.after(async () => {
  await gc.stop();
  await ctl.stop();
  await f.stop();
});

const STS = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 3
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
        - name: c
          image: busybox:1
          volumeMounts:
            - name: data # from the claim template alone, as upstream's examples
              mountPath: /data
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: 1Gi
`;

const pods = async () =>
  (await f.client.list<Pod>('pods', 'default', { labelSelector: 'app=db' })).items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => p.metadata.name)
    .sort();
const getSts = () => f.client.get<StatefulSet>('statefulsets', 'default', 'db');

test('pods come up in order, each after the one below is Ready, with their claims', async () => {
  f.kubelet.readyIf = (p) => p.metadata.name !== 'db-1';
  const r = await f.kubectl('apply', '-f', f.file('sts.yaml', STS));
  assert.is(r.code, 0, r.err);
  await waitFor('db-0 and db-1', async () => (await pods()).join() === 'db-0,db-1');
  await waitFor('status sees db-1 not ready', async () => (await getSts()).status?.replicas === 2);
  assert.equal(await pods(), ['db-0', 'db-1'], 'db-2 waits for db-1 to be Ready');
  f.kubelet.readyIf = () => true;
  await f.kubelet.markReady('default', 'db-1');
  await waitFor('all three Ready', async () => (await getSts()).status?.readyReplicas === 3);
  const p0 = await f.client.get<Pod>('pods', 'default', 'db-0');
  assert.equal([p0.spec.hostname, p0.spec.subdomain], ['db-0', 'db']);
  assert.equal(p0.spec.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }]);
  const claims = (await f.client.list<PersistentVolumeClaim>('persistentvolumeclaims', 'default')).items;
  assert.equal(claims.map((c) => c.metadata.name).sort(), ['data-db-0', 'data-db-1', 'data-db-2']);
  const k = await f.kubectl('get', 'sts', 'db', '--no-headers');
  assert.match(k.out, /^db\s+3\/3\s/);
});

test('a rolling update replaces the pods, rollout status and history see it, undo rolls back', async () => {
  const before = (await getSts()).status?.currentRevision;
  const r = await f.kubectl('set', 'image', 'sts/db', 'c=busybox:2');
  assert.is(r.code, 0, r.err);
  await waitFor(
    'all updated',
    async () => {
      const s = await getSts();
      // Status of this generation (not the one before the change) with every pod updated.
      const st = s.status;
      if (!st) return undefined;
      return st.observedGeneration === s.metadata.generation &&
        st.updateRevision !== before &&
        st.updatedReplicas === 3 &&
        st.readyReplicas === 3 &&
        st.currentRevision === st.updateRevision
        ? s
        : undefined;
    },
    15_000,
  );
  for (const n of ['db-0', 'db-1', 'db-2'])
    assert.is((await f.client.get<Pod>('pods', 'default', n)).spec.containers[0].image, 'busybox:2');
  const st = await f.kubectl('rollout', 'status', 'sts/db', '--timeout=30s');
  assert.is(st.code, 0, st.err);
  assert.match(st.out, 'partitioned roll out complete: 3 new pods have been updated');
  const h = await f.kubectl('rollout', 'history', 'sts/db');
  assert.is(h.code, 0, h.err);
  assert.equal(
    h.out
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/)[0]),
    ['REVISION', '1', '2'],
  );
  // Undo: back to revision 1's template, rolled out like any update.
  const u = await f.kubectl('rollout', 'undo', 'sts/db');
  assert.is(u.code, 0, u.err);
  await waitFor(
    'back on busybox:1',
    async () => {
      const s = await getSts();
      if (s.spec.template.spec.containers[0].image !== 'busybox:1') return false;
      if (s.status?.updatedReplicas !== 3 || s.status.readyReplicas !== 3) return false;
      const ps = await f.client.list<Pod>('pods', 'default', { labelSelector: 'app=db' });
      return ps.items.every(
        (p) => p.spec.containers[0].image === 'busybox:1' && !p.metadata.deletionTimestamp,
      );
    },
    15_000,
  );
});

test('scale down removes the highest ordinals; deleting the set collects its pods, claims stay', async () => {
  const r = await f.kubectl('scale', 'sts', 'db', '--replicas=1');
  assert.is(r.code, 0, r.err);
  await waitFor('only db-0', async () => (await pods()).join() === 'db-0', 15_000);
  const d = await f.kubectl('delete', 'sts', 'db');
  assert.is(d.code, 0, d.err);
  await waitFor('pods collected', async () => (await pods()).length === 0, 15_000);
  const claims = (await f.client.list<PersistentVolumeClaim>('persistentvolumeclaims', 'default')).items;
  assert.is(claims.length, 3, 'claims are retained (whenDeleted: Retain)');
});

test('a change to a fixed spec field is refused with 422', async () => {
  const r = await f.kubectl(
    'apply',
    '-f',
    f.file('s2.yaml', STS.replace('name: db\nspec:', 'name: db2\nspec:')),
  );
  assert.is(r.code, 0, r.err);
  const p = await f.kubectl('patch', 'sts', 'db2', '--type=merge', '-p', '{"spec":{"serviceName":"other"}}');
  assert.is.not(p.code, 0);
  assert.match(p.err, "updates to statefulset spec for fields other than 'replicas'");
});

test('adopts a matching orphan as its ordinal; releases a pod relabelled out of its selector', async () => {
  await f.client.create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
  });
  const set = await f.client.create<StatefulSet>('statefulsets', 'default', {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      serviceName: 'web',
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
      },
    },
  });
  const web0 = () => f.client.get<Pod>('pods', 'default', 'web-0');
  await waitFor(
    'web-0 adopted',
    async () => (await web0()).metadata.ownerReferences?.[0]?.uid === set.metadata.uid,
  );
  await waitFor(
    'the set counts it',
    async () => (await f.client.get<StatefulSet>('statefulsets', 'default', 'web')).status?.replicas === 1,
  );
  await f.client.patch('pods', 'default', 'web-0', { metadata: { labels: { app: 'debug' } } });
  await waitFor('web-0 released', async () => (await web0()).metadata.ownerReferences?.length === 0);
  await f.client.delete('statefulsets', 'default', 'web');
  await f.client.delete('pods', 'default', 'web-0', { gracePeriodSeconds: 0 });
});

test.run();
