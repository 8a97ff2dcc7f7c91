// CustomResourceDefinitions over the HTTP API of a real server on a SQLite file: what kubectl
// does not show directly -- the Status of each refusal (a non-structural schema, a bad name,
// an invalid object) with nothing stored, cluster scope, a kind another CRD holds
// (NamesAccepted False), deletecollection, the scale subresource, a terminating CRD refusing
// creates until its objects' finalizers go, OpenAPI following the CRDs, and a restarted
// server serving its CRDs at once.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CustomResourceDefinition } from '../../../../shared/api/crd.js';
import type { KubeList, KubeObject, Status } from '../../../../shared/api/types.js';
import { createApiServer } from '../../../../hub/api/server.js';
import { createLogger } from '../../../../shared/log.js';
import { startApi, type TestApi } from '../helpers.js';
import { waitFor as waitWith } from '../../../helpers/wait.js';

let t: TestApi;
test.before(async () => {
  t = await startApi();
});
test.after(async () => t.stop());

async function call<T = KubeObject & Status>(
  method: string,
  path: string,
  body?: unknown,
  ct = 'application/json',
) {
  const res = await fetch(t.api.url + path, {
    method,
    headers: body !== undefined ? { 'Content-Type': ct } : {},
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { code: res.status, json: (await res.json()) as T };
}

const waitFor = <T>(fn: () => Promise<T>, what: string) => waitWith(fn, { what });

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

function crd(
  plural: string,
  kind: string,
  opts: { scope?: 'Namespaced' | 'Cluster'; group?: string; schema?: unknown; scale?: boolean } = {},
): CustomResourceDefinition {
  const group = opts.group ?? 'test.example.com';
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: opts.scope ?? 'Namespaced',
      names: { plural, kind },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: (opts.schema ?? {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: { replicas: { type: 'integer', minimum: 0 }, size: { type: 'string' } },
                },
                status: {
                  type: 'object',
                  properties: { replicas: { type: 'integer' }, selector: { type: 'string' } },
                },
              },
            }) as never,
          },
          subresources: {
            status: {},
            ...(opts.scale
              ? {
                  scale: {
                    specReplicasPath: '.spec.replicas',
                    statusReplicasPath: '.status.replicas',
                    labelSelectorPath: '.status.selector',
                  },
                }
              : {}),
          },
        },
      ],
    },
  };
}

async function established(name: string): Promise<CustomResourceDefinition> {
  return waitFor(async () => {
    const r = await call<CustomResourceDefinition>('GET', `${CRDS}/${name}`);
    const c = r.json.status?.conditions?.find((x) => x.type === 'Established');
    return c?.status === 'True' ? r.json : undefined;
  }, `${name} Established`);
}

test('a non-structural schema, a wrong name and a webhook conversion are 422 naming the field; nothing is stored', async () => {
  const cases: [CustomResourceDefinition, RegExp][] = [
    [
      crd('gadgets', 'Gadget', { schema: { type: 'object', properties: { spec: { properties: {} } } } }),
      /spec\.versions\[0\]\.schema\.openAPIV3Schema\.properties\[spec\]\.type: Required value/,
    ],
    [
      { ...crd('gadgets', 'Gadget'), metadata: { name: 'gadgets.other.com' } },
      /metadata\.name: Invalid value: "gadgets\.other\.com": must be spec\.names\.plural\+"\."\+spec\.group/,
    ],
    [
      crd('gadgets', 'Gadget', { group: 'nodots' }),
      /spec\.group: Invalid value: "nodots": should be a domain with at least one dot/,
    ],
    [
      crd('gadgets', 'Gadget', {
        schema: { type: 'object', properties: { s: { type: 'string', pattern: '([' } } },
      }),
      /openAPIV3Schema: Invalid value/,
    ],
  ];
  for (const [body, want] of cases) {
    const r = await call('POST', CRDS, body);
    assert.is(r.code, 422, JSON.stringify(r.json));
    assert.is(r.json.reason, 'Invalid');
    assert.match(r.json.message ?? '', want);
    assert.is((await call('GET', `${CRDS}/${body.metadata.name}`)).code, 404);
  }
  assert.is((await call('GET', '/apis/test.example.com/v1/namespaces/default/gadgets')).code, 404);
});

test('a custom object of an unknown kind is 404; an invalid one is 422 with causes and is not stored', async () => {
  assert.is((await call('POST', '/apis/test.example.com/v1/namespaces/default/nosuch', {})).code, 404);
  assert.is((await call('POST', CRDS, crd('boxes', 'Box'))).code, 201);
  await established('boxes.test.example.com');
  const path = '/apis/test.example.com/v1/namespaces/default/boxes';
  const r = await call('POST', path, {
    apiVersion: 'test.example.com/v1',
    kind: 'Box',
    metadata: { name: 'b' },
    spec: { replicas: -1, size: 3 },
  });
  assert.is(r.code, 422);
  assert.equal(r.json.details?.causes?.map((c) => `${c.reason} ${c.field}`).sort(), [
    'FieldValueInvalid spec.replicas',
    'FieldValueTypeInvalid spec.size',
  ]);
  assert.match(r.json.message ?? '', /^Box "b" is invalid: /);
  assert.is((await call<KubeList>('GET', path)).json.items.length, 0);
  const other = await call('POST', path, {
    apiVersion: 'test.example.com/v1',
    kind: 'Crate',
    metadata: { name: 'c' },
  });
  assert.is(other.code, 400);
  assert.match(
    other.json.message ?? '',
    /the kind in the data \(Crate\) does not match the expected kind \(Box\)/,
  );
});

test('a cluster-scoped CRD serves its objects without a namespace', async () => {
  assert.is((await call('POST', CRDS, crd('zones', 'Zone', { scope: 'Cluster' }))).code, 201);
  await established('zones.test.example.com');
  const r = await call('POST', '/apis/test.example.com/v1/zones', {
    apiVersion: 'test.example.com/v1',
    kind: 'Zone',
    metadata: { name: 'z1' },
    spec: { size: 'l' },
  });
  assert.is(r.code, 201, JSON.stringify(r.json));
  assert.is(r.json.metadata.namespace, undefined);
  assert.is((await call('GET', '/apis/test.example.com/v1/zones/z1')).code, 200);
  assert.is((await call('GET', '/apis/test.example.com/v1/namespaces/default/zones/z1')).code, 404);
  const disc = await call<{ resources: { name: string; namespaced: boolean; verbs: string[] }[] }>(
    'GET',
    '/apis/test.example.com/v1',
  );
  const zones = disc.json.resources.find((x) => x.name === 'zones');
  assert.is(zones?.namespaced, false);
  assert.ok(zones?.verbs.includes('deletecollection'));
});

test('a kind another CRD of the group holds is not accepted, not established, not served', async () => {
  assert.is((await call('POST', CRDS, crd('boxen', 'Box'))).code, 201);
  const c = await waitFor(async () => {
    const r = await call<CustomResourceDefinition>('GET', `${CRDS}/boxen.test.example.com`);
    return r.json.status?.conditions?.length ? r.json : undefined;
  }, 'conditions');
  const cond = (x: string) => c.status?.conditions?.find((k) => k.type === x);
  assert.is(cond('NamesAccepted')?.status, 'False');
  assert.is(cond('NamesAccepted')?.reason, 'KindConflict');
  assert.is(cond('Established')?.status, 'False');
  assert.is((await call('GET', '/apis/test.example.com/v1/namespaces/default/boxen')).code, 404);
  assert.is((await call('DELETE', `${CRDS}/boxen.test.example.com`)).code, 200);
});

test('deletecollection deletes what the selector matches, and nothing else', async () => {
  const path = '/apis/test.example.com/v1/namespaces/default/boxes';
  for (const [name, tier] of [
    ['a', 'x'],
    ['b', 'x'],
    ['c', 'y'],
  ])
    assert.is(
      (
        await call('POST', path, {
          apiVersion: 'test.example.com/v1',
          kind: 'Box',
          metadata: { name, labels: { tier } },
        })
      ).code,
      201,
    );
  const r = await call<KubeList>('DELETE', `${path}?labelSelector=tier%3Dx`);
  assert.is(r.code, 200);
  assert.is(r.json.kind, 'BoxList');
  assert.equal(r.json.items.map((o) => o.metadata.name).sort(), ['a', 'b']);
  const left = await call<KubeList>('GET', path);
  assert.equal(
    left.json.items.map((o) => o.metadata.name),
    ['c'],
  );
});

test('the scale subresource reads and writes the paths the CRD names', async () => {
  assert.is((await call('POST', CRDS, crd('pools', 'Pool', { scale: true }))).code, 201);
  await established('pools.test.example.com');
  const path = '/apis/test.example.com/v1/namespaces/default/pools';
  assert.is(
    (
      await call('POST', path, {
        apiVersion: 'test.example.com/v1',
        kind: 'Pool',
        metadata: { name: 'p' },
        spec: { replicas: 2 },
      })
    ).code,
    201,
  );
  await call(
    'PATCH',
    `${path}/p/status`,
    { status: { replicas: 2, selector: 'app=p' } },
    'application/merge-patch+json',
  );
  const s = await call<{ spec: { replicas: number }; status: { replicas: number; selector: string } }>(
    'GET',
    `${path}/p/scale`,
  );
  assert.equal([s.json.spec.replicas, s.json.status.replicas, s.json.status.selector], [2, 2, 'app=p']);
  const up = await call(
    'PATCH',
    `${path}/p/scale`,
    { spec: { replicas: 5 } },
    'application/merge-patch+json',
  );
  assert.is(up.code, 200, JSON.stringify(up.json));
  assert.is(
    ((await call('GET', `${path}/p`)).json as unknown as { spec: { replicas: number } }).spec.replicas,
    5,
  );
  const bad = await call(
    'PATCH',
    `${path}/p/scale`,
    { spec: { replicas: -1 } },
    'application/merge-patch+json',
  );
  assert.is(bad.code, 422, 'the schema still holds through scale');
});

test('a terminating CRD refuses creates and waits for its objects finalizers; OpenAPI follows', async () => {
  const gv = '/openapi/v3/apis/test.example.com/v1';
  assert.is((await call('GET', gv)).code, 200);
  const path = '/apis/test.example.com/v1/namespaces/default/pools';
  assert.is(
    (
      await call('POST', path, {
        apiVersion: 'test.example.com/v1',
        kind: 'Pool',
        metadata: { name: 'held', finalizers: ['test/hold'] },
      })
    ).code,
    201,
  );
  assert.is((await call('DELETE', `${CRDS}/pools.test.example.com`)).code, 200);
  await waitFor(async () => {
    const r = await call<CustomResourceDefinition>('GET', `${CRDS}/pools.test.example.com`);
    return r.json.status?.conditions?.some((c) => c.type === 'Terminating' && c.status === 'True');
  }, 'Terminating');
  const create = await call('POST', path, {
    apiVersion: 'test.example.com/v1',
    kind: 'Pool',
    metadata: { name: 'late' },
  });
  assert.is(create.code, 405);
  assert.match(
    create.json.message ?? '',
    /create not allowed while custom resource definition is terminating/,
  );
  // The registrar deletes them one by one after the condition, each once durable.
  await waitFor(
    async () => (await call('GET', `${path}/p`)).code === 404,
    'the object without a finalizer gone',
  );
  assert.is((await call('GET', `${CRDS}/pools.test.example.com`)).code, 200, 'the CRD waits for held');
  await call('PATCH', `${path}/held`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
  await waitFor(
    async () => (await call('GET', `${CRDS}/pools.test.example.com`)).code === 404,
    'the CRD gone',
  );
  assert.is((await call('GET', `${path}`)).code, 404);
  const root = (await call<{ paths: Record<string, unknown> }>('GET', '/openapi/v3')).json;
  assert.ok(root.paths['apis/test.example.com/v1'], 'boxes and zones are still served');
  const doc = JSON.stringify((await call('GET', gv)).json);
  assert.not.match(doc, /"Pool"/);
  assert.match(doc, /"Box"/);
  const v2 = JSON.stringify((await call('GET', '/openapi/v2')).json);
  assert.match(v2, /"test\.example\.com\/v1"|"kind":"Box"/);
  assert.not.match(v2, /"kind":"Pool"/);
});

test('a restarted server serves its CRDs before it answers anything', async () => {
  await t.api.close();
  const restarted = await createApiServer({
    store: t.store,
    port: 0,
    log: createLogger('api', 40),
    insecureLoopback: true,
  });
  try {
    const r = await fetch(`${restarted.url}/apis/test.example.com/v1/zones/z1`);
    assert.is(r.status, 200, await r.text());
  } finally {
    await restarted.close();
  }
});

test.run();
