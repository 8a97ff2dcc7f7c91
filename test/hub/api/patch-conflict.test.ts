// Patches and optimistic concurrency (kube-apiserver's patcher): a patch that names no
// resourceVersion is applied to the latest object, retried when another write got in between;
// a patch that names one is a precondition and answers 409 when it is stale.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigMap } from '../../../shared/api/types.js';
import { startApi, type TestApi } from './helpers.js';

let t: TestApi;
const CM = '/api/v1/namespaces/default/configmaps';

test.before(async () => {
  t = await startApi();
  await t.api.client.create('configmaps', 'default', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'shared' },
    data: {},
  } as ConfigMap);
});
test.after(async () => t.stop());

async function patch(body: unknown, type = 'application/merge-patch+json') {
  const res = await fetch(`${t.api.url}${CM}/shared`, {
    method: 'PATCH',
    headers: { 'content-type': type },
    body: JSON.stringify(body),
  });
  return { code: res.status, body: (await res.json()) as ConfigMap & { message?: string } };
}

test('40 concurrent patches without a resourceVersion all land, none lost', async () => {
  const n = 40;
  const types = ['application/merge-patch+json', 'application/strategic-merge-patch+json'];
  const res = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      i % 3 === 2
        ? patch([{ op: 'add', path: `/data/k${i}`, value: String(i) }], 'application/json-patch+json')
        : patch({ data: { [`k${i}`]: String(i) } }, types[i % 2]),
    ),
  );
  assert.equal(
    res.filter((r) => r.code !== 200).map((r) => r.body.message),
    [],
    'no conflict reaches the client',
  );
  const cm = await t.api.client.get<ConfigMap>('configmaps', 'default', 'shared');
  assert.is(Object.keys(cm.data ?? {}).length, n);
});

test('a patch that names a stale resourceVersion is a 409; the current one applies', async () => {
  const cur = await t.api.client.get<ConfigMap>('configmaps', 'default', 'shared');
  await patch({ data: { bump: '1' } });
  const stale = await patch({
    metadata: { resourceVersion: cur.metadata.resourceVersion },
    data: { late: '1' },
  });
  assert.is(stale.code, 409, JSON.stringify(stale.body));
  const now = await t.api.client.get<ConfigMap>('configmaps', 'default', 'shared');
  assert.is(now.data?.late, undefined, 'nothing written');
  const fresh = await patch({
    metadata: { resourceVersion: now.metadata.resourceVersion },
    data: { late: '1' },
  });
  assert.is(fresh.code, 200);
  const jsonStale = await patch(
    [
      { op: 'replace', path: '/metadata/resourceVersion', value: cur.metadata.resourceVersion },
      { op: 'add', path: '/data/x', value: '1' },
    ],
    'application/json-patch+json',
  );
  assert.is(jsonStale.code, 409);
});

test.run();
