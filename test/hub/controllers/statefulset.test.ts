// StatefulSets with the real kubectl on the real API (the FakeKubelet fixture marks pods
// Ready): pods come up in ordinal order, each waiting for the one below to be Ready; claims
// from volumeClaimTemplates; kubectl's columns; a rolling update replaces pods highest first;
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

test('a rolling update replaces the pods highest first, then the revisions agree', async () => {
  const before = (await getSts()).status?.currentRevision;
  const r = await f.kubectl('set', 'image', 'sts/db', 'c=busybox:2');
  assert.is(r.code, 0, r.err);
  const done = await waitFor(
    'all updated',
    async () => {
      const s = await getSts();
      return s.status?.updatedReplicas === 3 &&
        s.status.readyReplicas === 3 &&
        s.status.currentRevision === s.status.updateRevision
        ? s
        : undefined;
    },
    15_000,
  );
  assert.is.not(done.status?.updateRevision, before);
  const st = await f.kubectl('rollout', 'status', 'sts/db', '--timeout=30s');
  assert.is(st.code, 0, st.err);
  assert.match(st.out, 'partitioned roll out complete: 3 new pods have been updated');
  for (const n of ['db-0', 'db-1', 'db-2'])
    assert.is((await f.client.get<Pod>('pods', 'default', n)).spec.containers[0].image, 'busybox:2');
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

test.run();
