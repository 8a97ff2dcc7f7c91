// Registry-login Secrets and the ServiceAccount's imagePullSecrets at pod create, through the
// real API (SQLite store, HTTP): the docker Secret types are checked as upstream without
// echoing their contents; a pod without imagePullSecrets gets its ServiceAccount's; one that
// names its own keeps them; nothing else about the pod changes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pod, Secret } from '../../../shared/api/types.js';
import { startApi, type TestApi } from './helpers.js';

let t: TestApi;
test.before(async () => {
  t = await startApi();
});
test.after(async () => {
  await t.stop();
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${t.api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const secret = (name: string, type: string, data: Record<string, string>): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name },
  type,
  data,
});

const SECRETS: { name: string; s: Secret; status: number; field?: string }[] = [
  {
    name: 'valid dockerconfigjson',
    s: secret('ok-json', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths":{}}') }),
    status: 201,
  },
  {
    name: 'valid dockercfg',
    s: secret('ok-cfg', 'kubernetes.io/dockercfg', { '.dockercfg': b64('{}') }),
    status: 201,
  },
  {
    name: 'dockerconfigjson without its key',
    s: secret('no-key', 'kubernetes.io/dockerconfigjson', { other: b64('{}') }),
    status: 422,
    field: 'data[.dockerconfigjson]',
  },
  {
    name: 'malformed .dockerconfigjson',
    s: secret('bad-json', 'kubernetes.io/dockerconfigjson', {
      '.dockerconfigjson': b64('{"auths": hunter2'),
    }),
    status: 422,
    field: 'data[.dockerconfigjson]',
  },
  {
    name: 'dockercfg holding a JSON array',
    s: secret('bad-cfg', 'kubernetes.io/dockercfg', { '.dockercfg': b64('["hunter2"]') }),
    status: 422,
    field: 'data[.dockercfg]',
  },
];

for (const c of SECRETS)
  test(`Secret create: ${c.name} -> ${c.status}`, async () => {
    const r = await post('/api/v1/namespaces/default/secrets', c.s);
    assert.is(r.status, c.status, JSON.stringify(r.body));
    if (c.field) {
      const text = JSON.stringify(r.body);
      assert.ok(text.includes(c.field), text);
      assert.not.match(text, /hunter2/, 'the secret value is not echoed');
      const stored = await fetch(`${t.api.url}/api/v1/namespaces/default/secrets/${c.s.metadata.name}`);
      assert.is(stored.status, 404, 'nothing stored');
    }
  });

const pod = (name: string, spec: Partial<Pod['spec']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});

test('no ServiceAccount: the pod is created as given', async () => {
  const p = await t.api.client.create<Pod>('pods', 'default', pod('before-sa'));
  assert.is(p.spec.imagePullSecrets, undefined);
});

test('default ServiceAccount imagePullSecrets apply to pods that name none, at create only', async () => {
  await t.api.client.create('serviceaccounts', 'default', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'default' },
    imagePullSecrets: [{ name: 'ok-json' }],
  });
  await t.api.client.create('serviceaccounts', 'default', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'builder' },
    imagePullSecrets: [{ name: 'ok-cfg' }],
  });
  const cases: [string, Partial<Pod['spec']>, { name: string }[]][] = [
    ['from-default', {}, [{ name: 'ok-json' }]],
    ['from-named-sa', { serviceAccountName: 'builder' }, [{ name: 'ok-cfg' }]],
    ['own-kept', { imagePullSecrets: [{ name: 'mine' }] }, [{ name: 'mine' }]],
    ['missing-sa', { serviceAccountName: 'nobody' }, []],
  ];
  for (const [name, spec, want] of cases) {
    const r = await post('/api/v1/namespaces/default/pods', pod(name, spec));
    assert.is(r.status, 201, JSON.stringify(r.body));
    assert.equal((r.body.spec as Pod['spec']).imagePullSecrets ?? [], want, name);
  }
  const before = await t.api.client.get<Pod>('pods', 'default', 'before-sa');
  assert.is(before.spec.imagePullSecrets, undefined, 'existing pods are not changed');
});

test.run();
