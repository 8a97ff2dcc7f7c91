// CRDs with several hubs on one NATS JetStream store: every API server follows the CRDs in
// the store, so a CRD created through one hub is served by the other, objects written through
// either are the same objects, and deleting the CRD through one stops both serving it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ApiServer, createApiServer } from '../../../../hub/api/server.js';
import { JetStreamStore } from '../../../../hub/store/jetstream.js';
import { createLogger } from '../../../../shared/log.js';
import type { CustomResourceDefinition } from '../../../../shared/api/crd.js';
import type { KubeList } from '../../../../shared/api/types.js';
import { type NatsCluster, startNats } from '../../../helpers/nats.js';
import { waitFor } from '../../../helpers/wait.js';

let nats: NatsCluster;
const stores: JetStreamStore[] = [];
const hubs: ApiServer[] = [];

test.before(async () => {
  nats = await startNats(1);
  const log = createLogger('api', 40);
  for (let i = 0; i < 2; i++) {
    const store = await JetStreamStore.open({
      servers: nats.urls,
      bucket: 'crd-hubs',
      log,
      compactIntervalMs: 0,
    });
    stores.push(store);
    hubs.push(await createApiServer({ store, port: 0, log, insecureLoopback: true }));
  }
});
test.after(async () => {
  for (const h of hubs) await h.close();
  for (const s of stores) await s.close();
  await nats.stop();
});

async function call(hub: ApiServer, method: string, path: string, body?: unknown) {
  const res = await fetch(hub.url + path, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { code: res.status, json: (await res.json()) as Record<string, unknown> };
}

const CRD = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const LAMPS = '/apis/relay.example.com/v1/namespaces/default/lamps';

const crd: CustomResourceDefinition = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'lamps.relay.example.com' },
  spec: {
    group: 'relay.example.com',
    scope: 'Namespaced',
    names: { plural: 'lamps', kind: 'Lamp' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: { type: 'object', properties: { on: { type: 'boolean' } } } },
          },
        },
      },
    ],
  },
};

test('a CRD created through hub A is served by hub B; objects are shared; deleting it through B stops both', async () => {
  const [a, b] = hubs;
  assert.is((await call(a, 'POST', CRD, crd)).code, 201);
  await waitFor(async () => (await call(b, 'GET', `${LAMPS}`)).code === 200, {
    what: 'hub B serving lamps',
    timeoutMs: 15_000,
  });
  const created = await call(b, 'POST', LAMPS, {
    apiVersion: 'relay.example.com/v1',
    kind: 'Lamp',
    metadata: { name: 'l1' },
    spec: { on: true },
  });
  assert.is(created.code, 201, JSON.stringify(created.json));
  const bad = await call(a, 'POST', LAMPS, {
    apiVersion: 'relay.example.com/v1',
    kind: 'Lamp',
    metadata: { name: 'l2' },
    spec: { on: 'yes' },
  });
  assert.is(bad.code, 422, 'hub A validates with the same schema');
  const onA = await call(a, 'GET', LAMPS);
  assert.equal(
    (onA.json as unknown as KubeList).items.map((o) => o.metadata.name),
    ['l1'],
  );
  const st = (await call(a, 'GET', `${CRD}/lamps.relay.example.com`))
    .json as unknown as CustomResourceDefinition;
  assert.is(st.status?.conditions?.find((c) => c.type === 'Established')?.status, 'True');
  assert.is((await call(b, 'DELETE', `${CRD}/lamps.relay.example.com`)).code, 200);
  for (const h of [a, b])
    await waitFor(async () => (await call(h, 'GET', LAMPS)).code === 404, {
      what: 'lamps no longer served',
      timeoutMs: 15_000,
    });
  assert.is(
    (await call(a, 'GET', `${CRD}/lamps.relay.example.com`)).code,
    404,
    'the CRD went after its objects',
  );
});

test.run();
