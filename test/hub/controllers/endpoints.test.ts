// The Endpoints controller on a real API beside the EndpointSlice controller: a selector
// Service's Endpoints follow its pods through the slices; kubectl prints them; they are
// read-only over HTTP (405, nothing stored); a hand-deleted Endpoints comes back; a Service
// without a selector has none; the Endpoints go with their Service.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EndpointSliceController } from '../../../hub/controllers/endpointslice.js';
import { EndpointsController } from '../../../hub/controllers/endpoints.js';
import type { Endpoints } from '../../../shared/api/endpoints.js';
import type { Service } from '../../../shared/api/service.js';
import { createLogger } from '../../../shared/log.js';
import { startApi, type TestApi } from '../api/helpers.js';
import { kubectl, writeKubeconfig } from './fixtures.js';
import { runningPod as runningPodOf } from './service-pods.js';
import { waitFor } from './wait.js';

let t: TestApi;
let slices: EndpointSliceController;
let ctl: EndpointsController;
let kubeconfig: string;

test.before(async () => {
  t = await startApi();
  kubeconfig = writeKubeconfig(t);
  slices = new EndpointSliceController({ client: t.api.client, log: createLogger('eps', 40) });
  ctl = new EndpointsController({ client: t.api.client, log: createLogger('ep', 40) });
  await slices.start();
  await ctl.start();
});
test.after(async () => {
  await ctl.stop();
  await slices.stop();
  await t.stop();
});

const runningPod = (name: string, app: string, ip: string, ready: boolean) =>
  runningPodOf(t.api.client, name, app, ip, ready);

const service = (name: string, selector?: Record<string, string>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', labels: { app: name } },
  spec: { ...(selector ? { selector } : {}), ports: [{ name: 'web', port: 80, targetPort: 'http' }] },
});

const getEndpoints = (name: string) =>
  t.api.client.get<Endpoints>('endpoints', 'default', name).catch(() => undefined);
const ips = (e: Endpoints | undefined, field: 'addresses' | 'notReadyAddresses') =>
  (e?.subsets ?? [])
    .flatMap((s) => s[field] ?? [])
    .map((a) => a.ip)
    .join(',');

test('Endpoints mirror the slices: ready and not-ready addresses, ports, labels', async () => {
  await t.api.client.create('services', 'default', service('web', { app: 'web' }));
  await runningPod('web-b', 'web', '172.17.0.11', true);
  await runningPod('web-a', 'web', '172.17.0.10', true);
  await runningPod('web-c', 'web', '172.17.0.12', false);
  await runningPod('other', 'db', '172.17.0.13', true);
  const e = await waitFor('three addresses', async () => {
    const x = await getEndpoints('web');
    return ips(x, 'addresses') === '172.17.0.10,172.17.0.11' && ips(x, 'notReadyAddresses') === '172.17.0.12'
      ? x
      : undefined;
  });
  assert.equal(e.subsets?.[0].ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
  assert.equal(e.subsets?.[0].addresses?.[0].targetRef?.name, 'web-a');
  assert.equal(e.metadata.labels, { app: 'web' });
  assert.is(e.metadata.ownerReferences, undefined);

  const r = await kubectl(kubeconfig, 'get', 'endpoints', 'web');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /web\s+172\.17\.0\.10:8080,172\.17\.0\.11:8080\s/);
});

test('read-only over HTTP: create, update and delete are 405 and change nothing', async () => {
  const before = await getEndpoints('web');
  const base = `${t.api.url}/api/v1/namespaces/default/endpoints`;
  const body = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'hand', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '10.9.9.9' }], ports: [{ port: 80 }] }],
  });
  const headers = { 'content-type': 'application/json' };
  const attempts: [string, string, string | undefined][] = [
    ['POST', base, body],
    ['PUT', `${base}/web`, JSON.stringify(before)],
    ['DELETE', `${base}/web`, undefined],
  ];
  for (const [method, url, b] of attempts) {
    const res = await fetch(url, { method, headers, body: b });
    assert.is(res.status, 405, `${method} ${url}`);
    assert.is(((await res.json()) as { reason: string }).reason, 'MethodNotAllowed');
  }
  assert.is(await getEndpoints('hand'), undefined);
  assert.equal((await getEndpoints('web'))?.metadata.resourceVersion, before?.metadata.resourceVersion);
});

test('an Endpoints deleted behind the API comes back; none for a selectorless Service; they go with the Service', async () => {
  await t.api.client.delete('endpoints', 'default', 'web');
  await waitFor('web Endpoints back', async () => ips(await getEndpoints('web'), 'addresses') !== '');

  await t.api.client.create('services', 'default', service('manual'));
  await t.api.client.create('services', 'default', service('marker', { app: 'none' }));
  await waitFor('the later selector Service has its (empty) Endpoints', () => getEndpoints('marker'));
  // The runner takes keys in the order they came: marker's Endpoints show manual was handled.
  assert.is(await getEndpoints('manual'), undefined);
  assert.equal((await getEndpoints('marker'))?.subsets ?? [], []);

  await t.api.client.delete('services', 'default', 'web');
  await waitFor('web Endpoints gone', async () => (await getEndpoints('web')) === undefined);
});

test.run();
