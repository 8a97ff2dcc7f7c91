// PersistentVolumes and claims with the real kubectl on the real API and the binder: a claim
// binds to the smallest fitting volume and both show Bound; a claim nothing fits stays Pending
// until a volume that fits appears; deleting a bound claim releases a Retain volume and deletes
// a Delete one; invalid objects and a changed claim spec are refused with 422, nothing stored.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VolumeBinder } from '../../../hub/controllers/volume-binder.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../shared/api/volumes.js';
import { createLogger } from '../../../shared/log.js';
import { startApi, type TestApi } from '../api/helpers.js';
import { kubectl as kubectlWith, writeKubeconfig } from './fixtures.js';
import { waitFor } from './wait.js';

let t: TestApi;
let binder: VolumeBinder;
let kubeconfig: string;
let files = 0;

test.before(async () => {
  t = await startApi();
  kubeconfig = writeKubeconfig(t);
  binder = new VolumeBinder({ client: t.api.client, log: createLogger('binder', 40) });
  await binder.start();
});
test.after(async () => {
  await binder.stop();
  await t.stop();
});

const kubectl = (...args: string[]) => kubectlWith(kubeconfig, ...args);
async function apply(yaml: string) {
  const { writeFileSync } = await import('node:fs');
  const f = `${t.dir}/m${files++}.yaml`;
  writeFileSync(f, yaml);
  return kubectl('apply', '-f', f);
}

const pvYaml = (name: string, size: string, policy = 'Retain') => `apiVersion: v1
kind: PersistentVolume
metadata:
  name: ${name}
spec:
  capacity:
    storage: ${size}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: ${policy}
  hostPath:
    path: /srv/${name}
`;
const pvcYaml = (name: string, size: string) => `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ${name}
  namespace: default
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: ${size}
`;

const getPv = (n: string) =>
  t.api.client.get<PersistentVolume>('persistentvolumes', undefined, n).catch(() => undefined);
const getPvc = (n: string) =>
  t.api.client.get<PersistentVolumeClaim>('persistentvolumeclaims', 'default', n).catch(() => undefined);

test('a claim binds to the smallest fitting volume; kubectl shows both Bound', async () => {
  for (const y of [pvYaml('pv-big', '10Gi'), pvYaml('pv-small', '1Gi', 'Delete'), pvYaml('pv-mid', '2Gi')]) {
    const r = await apply(y);
    assert.is(r.code, 0, r.err);
  }
  await waitFor('volumes Available', async () => (await getPv('pv-mid'))?.status?.phase === 'Available');
  const r = await apply(pvcYaml('data', '1500Mi'));
  assert.is(r.code, 0, r.err);
  const c = await waitFor('claim Bound', async () => {
    const x = await getPvc('data');
    return x?.status?.phase === 'Bound' ? x : undefined;
  });
  assert.is(c.spec.volumeName, 'pv-mid');
  assert.equal(c.status?.capacity, { storage: '2Gi' });
  const pv = await waitFor('volume Bound', async () => {
    const x = await getPv('pv-mid');
    return x?.status?.phase === 'Bound' ? x : undefined;
  });
  assert.equal(
    [pv.spec.claimRef?.namespace, pv.spec.claimRef?.name, pv.spec.claimRef?.uid],
    ['default', 'data', c.metadata.uid],
  );
  let k = await kubectl('get', 'pvc', 'data', '--no-headers');
  assert.match(k.out, /^data\s+Bound\s+pv-mid\s+2Gi\s+RWO\s/);
  k = await kubectl('get', 'pv', 'pv-mid', '--no-headers');
  assert.match(k.out, /^pv-mid\s+2Gi\s+RWO\s+Retain\s+Bound\s+default\/data\s/);
});

test('a claim nothing fits stays Pending until a fitting volume appears', async () => {
  await apply(pvcYaml('huge', '50Gi'));
  await apply(pvcYaml('marker', '1Gi'));
  // marker binds (to pv-small): the binder has looked at huge too and left it Pending.
  await waitFor('marker Bound', async () => (await getPvc('marker'))?.status?.phase === 'Bound');
  assert.is((await getPvc('huge'))?.status?.phase, 'Pending');
  assert.is((await getPvc('huge'))?.spec.volumeName, undefined);
  await apply(pvYaml('pv-huge', '64Gi'));
  await waitFor('huge Bound', async () => (await getPvc('huge'))?.spec.volumeName === 'pv-huge');
});

test('a claim that names a volume not created yet binds to it once it appears', async () => {
  const r = await apply(`${pvcYaml('named', '1Gi')}  volumeName: pv-later\n`);
  assert.is(r.code, 0, r.err);
  // The binder has looked at it (nothing to bind to) before the volume exists.
  await waitFor('binder idle', () => binder.idle());
  await apply(pvYaml('pv-later', '3Gi'));
  await waitFor('named Bound to pv-later', async () => (await getPvc('named'))?.status?.phase === 'Bound');
  assert.is((await getPv('pv-later'))?.spec.claimRef?.name, 'named');
});

test('deleting a bound claim: a Retain volume is Released, a Delete volume is deleted', async () => {
  await t.api.client.delete('persistentvolumeclaims', 'default', 'data');
  await waitFor('pv-mid Released', async () => (await getPv('pv-mid'))?.status?.phase === 'Released');
  assert.is((await getPv('pv-small'))?.spec.claimRef?.name, 'marker');
  await t.api.client.delete('persistentvolumeclaims', 'default', 'marker');
  await waitFor('pv-small deleted', async () => (await getPv('pv-small')) === undefined);
  // A Released volume is not handed to a new claim (its data is the old claim's).
  await apply(pvcYaml('again', '1500Mi'));
  await waitFor('again bound elsewhere', async () => (await getPvc('again'))?.spec.volumeName === 'pv-big');
});

const refused: { name: string; body: object; resource: string; causes: string[] }[] = [
  {
    name: 'a volume with no source, no capacity and an unknown access mode',
    resource: '/api/v1/persistentvolumes',
    body: {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'bad' },
      spec: { accessModes: ['ReadWriteSometimes'] },
    },
    causes: [
      'spec.capacity[storage]: Required value',
      'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"',
      'spec: Required value: must specify a volume type',
    ],
  },
  {
    name: 'a claim without access modes or a storage request',
    resource: '/api/v1/namespaces/default/persistentvolumeclaims',
    body: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'bad' }, spec: {} },
    causes: ['spec.accessModes: Required value', 'spec.resources[storage]: Required value'],
  },
];

for (const c of refused)
  test(`refused with 422, nothing stored: ${c.name}`, async () => {
    const res = await fetch(t.api.url + c.resource, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(c.body),
    });
    assert.is(res.status, 422);
    const st = (await res.json()) as { details: { causes: { field: string; message: string }[] } };
    assert.equal(
      st.details.causes.map((x) => `${x.field}: ${x.message}`),
      c.causes,
    );
    assert.is((await fetch(`${t.api.url}${c.resource}/bad`)).status, 404);
  });

test("a claim's access modes cannot change after creation (422, unchanged)", async () => {
  const before = await getPvc('huge');
  const r = await kubectl(
    'patch',
    'pvc',
    'huge',
    '--type=merge',
    '-p',
    '{"spec":{"accessModes":["ReadWriteMany"]}}',
  );
  assert.is.not(r.code, 0);
  assert.match(r.err, 'spec is immutable after creation');
  assert.is((await getPvc('huge'))?.metadata.resourceVersion, before?.metadata.resourceVersion);
});

test.run();
