// The EndpointSlice controller on a real API: a Service's slice follows its pods' readiness,
// addresses and deletion; named target ports resolve per pod; a Service selecting nothing has
// one empty slice; a slice edited by hand is put back; the slices go with their Service.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EndpointSliceController } from '../../../hub/controllers/endpointslice.js';
import {
  type EndpointSlice,
  MANAGED_BY_CONTROLLER,
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
  type Service,
} from '../../../shared/api/service.js';
import type { KubeList, Pod } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { GarbageCollector } from '../../../hub/controllers/garbage-collector.js';
import { startApi, type TestApi } from '../api/helpers.js';
import { runningPod as runningPodOf, setPodReady } from './service-pods.js';
import { waitFor } from './wait.js';

let t: TestApi;
let ctl: EndpointSliceController;
let gc: GarbageCollector;

test.before(async () => {
  t = await startApi();
  ctl = new EndpointSliceController({ client: t.api.client, log: createLogger('eps', 40) });
  gc = new GarbageCollector({ client: t.api.client, log: createLogger('gc', 40) });
  await ctl.start();
  await gc.start();
});
test.after(async () => {
  await ctl.stop();
  await gc.stop();
  await t.stop();
});

const runningPod = (name: string, app: string, ip: string, ready: boolean) =>
  runningPodOf(t.api.client, name, app, ip, ready);
const setReady = (p: Pod, ip: string, ready: boolean) => setPodReady(t.api.client, p, ip, ready);

async function slices(svc: string): Promise<EndpointSlice[]> {
  const l = await t.api.client.list<EndpointSlice>('endpointslices', 'default', {
    labelSelector: `kubernetes.io/service-name=${svc}`,
  });
  return (l as KubeList<EndpointSlice>).items;
}

const readyIps = (ss: EndpointSlice[]) =>
  ss
    .flatMap((s) => s.endpoints ?? [])
    .filter((e) => e.conditions?.ready)
    .flatMap((e) => e.addresses)
    .sort()
    .join(',');

function service(name: string, app: string, targetPort: number | string = 'http'): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { selector: { app }, ports: [{ port: 80, targetPort }] },
  };
}

test('the slice follows readiness, addresses and deletion', async () => {
  await t.api.client.create('services', 'default', service('web', 'web'));
  const a = await runningPod('web-a', 'web', '172.17.0.10', true);
  await runningPod('web-b', 'web', '172.17.0.11', true);
  await runningPod('other', 'db', '172.17.0.12', true);
  await waitFor(
    'both ready pods in the slice',
    async () => readyIps(await slices('web')) === '172.17.0.10,172.17.0.11',
  );
  const [s] = await slices('web');
  assert.equal(s.ports, [{ name: '', protocol: 'TCP', port: 8080 }]);
  assert.is(s.metadata.ownerReferences?.[0].kind, 'Service');
  const ep = s.endpoints?.find((e) => e.addresses[0] === '172.17.0.10');
  assert.equal(ep?.targetRef?.name, 'web-a');
  assert.is(ep?.nodeName, 'board-1');

  await setReady(a, '172.17.0.10', false);
  await waitFor(
    'the unready pod is not ready in the slice',
    async () => readyIps(await slices('web')) === '172.17.0.11',
  );
  const e = (await slices('web'))[0].endpoints?.find((x) => x.addresses[0] === '172.17.0.10');
  assert.equal(e?.conditions, { ready: false, serving: false, terminating: false });

  // A bound pod terminates first (its agent confirms): terminating, not ready, still serving.
  await t.api.client.delete('pods', 'default', 'web-b');
  await waitFor('the terminating pod is not ready', async () => readyIps(await slices('web')) === '');
  const term = (await slices('web'))[0].endpoints?.find((x) => x.targetRef?.name === 'web-b');
  assert.equal(term?.conditions, { ready: false, serving: true, terminating: true });
  await t.api.client.delete('pods', 'default', 'web-b', { gracePeriodSeconds: 0 });
  await waitFor('the deleted pod left the slice', async () =>
    (await slices('web')).flatMap((x) => x.endpoints ?? []).every((x) => x.targetRef?.name !== 'web-b'),
  );
});

test('a Service selecting nothing has one empty slice with its ports', async () => {
  await t.api.client.create('services', 'default', service('none', 'nothing-has-this', 8080));
  const [s] = await waitFor('the placeholder slice', async () => {
    const ss = await slices('none');
    return ss.length === 1 ? ss : undefined;
  });
  assert.equal(s.endpoints, []);
});

test('a slice changed by hand is put back; slices go with their Service', async () => {
  await t.api.client.create('services', 'default', service('back', 'back'));
  await runningPod('back-a', 'back', '172.17.0.20', true);
  const [s] = await waitFor('the slice', async () => {
    const ss = await slices('back');
    return readyIps(ss) === '172.17.0.20' ? ss : undefined;
  });
  await t.api.client.update<EndpointSlice>('endpointslices', 'default', { ...s, endpoints: [] });
  await waitFor('the slice restored', async () => readyIps(await slices('back')) === '172.17.0.20');
  await t.api.client.delete('services', 'default', 'back');
  await waitFor('the slice deleted with its Service', async () => (await slices('back')).length === 0);
});

test("a user's slice naming the Service is not the controller's: left as it is", async () => {
  await t.api.client.create('services', 'default', service('mixed', 'mixed'));
  const mine = await t.api.client.create<EndpointSlice>('endpointslices', 'default', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'mixed-by-hand', namespace: 'default', labels: { [SERVICE_NAME_LABEL]: 'mixed' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.9.9.9'], conditions: { ready: true } }],
  });
  await runningPod('mixed-a', 'mixed', '172.17.0.30', true);
  await waitFor('the controller made its own slice', async () =>
    (await slices('mixed')).some((x) => x.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_CONTROLLER),
  );
  await waitFor('the controller is idle', () => ctl.idle());
  const after = await t.api.client.get<EndpointSlice>('endpointslices', 'default', 'mixed-by-hand');
  assert.is(after.metadata.resourceVersion, mine.metadata.resourceVersion, "the user's slice is untouched");
  await t.api.client.delete('services', 'default', 'mixed');
  await waitFor('only the controller slice goes with the Service', async () => {
    const left = await slices('mixed');
    return left.length === 1 && left[0].metadata.name === 'mixed-by-hand';
  });
});

test.run();
