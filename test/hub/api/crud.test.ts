// CRUD through real HTTP (HttpApiClient) against a real SQLite store.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigMap, Namespace, Node, Pod, Secret } from '../../../shared/api/types.js';
import {
  AlreadyExistsError,
  ApiError,
  ConflictError,
  ForbiddenError,
  InvalidError,
  NotFoundError,
} from '../../../hub/api/errors.js';
import { HttpApiClient } from '../../../hub/api/http-client.js';
import { node, startApi, type TestApi } from './helpers.js';

let t: TestApi;
let c: HttpApiClient;

test.before(async () => {
  t = await startApi();
  c = new HttpApiClient(t.api.url);
});
test.after(async () => t.stop());

function pod(name: string, extra: Partial<Pod['spec']> = {}, labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], ...extra },
  };
}

async function rejects(
  p: Promise<unknown>,
  cls: new (...a: never[]) => ApiError,
  re?: RegExp,
): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, cls);
    if (re) assert.match((e as Error).message, re);
    return e as ApiError;
  }
  throw new Error('expected a rejection');
}

test('system namespaces exist at start', async () => {
  const list = await c.list<Namespace>('namespaces', undefined);
  const names = list.items.map((n) => n.metadata.name);
  for (const n of ['default', 'kube-system', 'kube-node-lease']) assert.ok(names.includes(n), n);
});

test('create sets uid, creationTimestamp, generation 1, defaults and Pending', async () => {
  const p = await c.create<Pod>('pods', 'default', pod('p1', {}, { app: 'web' }));
  assert.ok(p.metadata.uid);
  assert.ok(p.metadata.creationTimestamp);
  assert.is(p.metadata.generation, 1);
  assert.ok(Number(p.metadata.resourceVersion) > 0);
  assert.is(p.spec.restartPolicy, 'Always');
  assert.is(p.spec.terminationGracePeriodSeconds, 30);
  assert.is(p.spec.schedulerName, 'default-scheduler');
  assert.is(p.spec.dnsPolicy, 'ClusterFirst');
  assert.is(p.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.is(p.status?.phase, 'Pending');
  const got = await c.get<Pod>('pods', 'default', 'p1');
  assert.is(got.metadata.uid, p.metadata.uid);
  await rejects(c.create('pods', 'default', pod('p1')), AlreadyExistsError, /pods "p1" already exists/);
});

test('generateName, and the namespace must exist', async () => {
  const p = await c.create<Pod>('pods', 'default', { ...pod(''), metadata: { generateName: 'web-' } });
  assert.match(p.metadata.name!, /^web-[a-z0-9]{5}$/);
  await rejects(c.create('pods', 'nope', pod('x')), NotFoundError, /namespaces "nope" not found/);
});

test('generateName: a drawn name that is taken is drawn again (RetryGenerateName), 8 draws in all', async () => {
  const cm = (name: string, generateName?: string): ConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: generateName ? { generateName } : { name },
  });
  await c.create<ConfigMap>('configmaps', 'default', cm('gen-bbbbb'));
  const realRandom = Math.random;
  let draws = 0;
  try {
    // The server is in this process: its generator's first name (5 draws of 0) is 'gen-bbbbb'.
    Math.random = () => (draws++ < 5 ? 0 : realRandom());
    const got = await c.create<ConfigMap>('configmaps', 'default', cm('', 'gen-'));
    assert.match(got.metadata.name ?? '', /^gen-[a-z0-9]{5}$/);
    assert.is.not(got.metadata.name, 'gen-bbbbb');
    assert.is(draws, 10, 'one name drawn again');
    // Every draw taken: AlreadyExists after 8 names, nothing else created.
    draws = 0;
    Math.random = () => {
      draws++;
      return 0;
    };
    await rejects(c.create('configmaps', 'default', cm('', 'gen-')), AlreadyExistsError, /gen-bbbbb/);
    assert.is(draws, 8 * 5);
  } finally {
    Math.random = realRandom;
  }
  const names = (await c.list<ConfigMap>('configmaps', 'default')).items.map((x) => x.metadata.name);
  assert.is(names.filter((n) => n?.startsWith('gen-')).length, 2);
});

test('update: 409 on stale resourceVersion; spec change bumps generation', async () => {
  const cm = await c.create<ConfigMap>('configmaps', 'default', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cm1' },
    data: { a: '1' },
  });
  const next = await c.update<ConfigMap>('configmaps', 'default', { ...cm, data: { a: '2' } });
  assert.is(next.data?.a, '2');
  assert.is(next.metadata.generation, 2);
  assert.ok(Number(next.metadata.resourceVersion) > Number(cm.metadata.resourceVersion));
  const e = await rejects(
    c.update('configmaps', 'default', { ...cm, data: { a: '3' } }),
    ConflictError,
    /has been modified/,
  );
  assert.is(e.code, 409);
  // identical update is a no-op: no new revision
  const same = await c.update<ConfigMap>('configmaps', 'default', next);
  assert.is(same.metadata.resourceVersion, next.metadata.resourceVersion);
});

test('status subresource: main update ignores status, status update ignores spec', async () => {
  const created = await c.create<Node>('nodes', undefined, node('n1') as Node);
  assert.is(created.status?.conditions?.[0].status, 'True', 'node create keeps status');
  const viaMain = await c.update<Node>('nodes', undefined, {
    ...created,
    spec: { unschedulable: true },
    status: { ...created.status, conditions: [{ type: 'Ready', status: 'False' }] },
  });
  assert.is(viaMain.spec.unschedulable, true);
  assert.is(viaMain.status?.conditions?.[0].status, 'True');
  const viaStatus = await c.update<Node>(
    'nodes',
    undefined,
    { ...viaMain, spec: {}, status: { ...viaMain.status, conditions: [{ type: 'Ready', status: 'False' }] } },
    'status',
  );
  assert.is(viaStatus.spec.unschedulable, true);
  assert.is(viaStatus.status?.conditions?.[0].status, 'False');
  const patched = await c.patch<Node>(
    'nodes',
    undefined,
    'n1',
    { status: { capacity: { cpu: '8' } } },
    'merge',
    'status',
  );
  assert.is(patched.status?.capacity?.cpu, '8');
});

test('patch: merge, strategic (containers by name), json', async () => {
  await c.create(
    'pods',
    'default',
    pod('p2', {
      containers: [
        { name: 'a', image: 'a:1' },
        { name: 'b', image: 'b:1' },
      ],
    }),
  );
  const m = await c.patch<Pod>('pods', 'default', 'p2', { metadata: { labels: { x: 'y' } } }, 'merge');
  assert.equal(m.metadata.labels, { x: 'y' });
  const s = await c.patch<Pod>(
    'pods',
    'default',
    'p2',
    { spec: { containers: [{ name: 'b', image: 'b:2' }] } },
    'strategic',
  );
  assert.equal(
    s.spec.containers.map((x) => `${x.name}=${x.image}`),
    ['a=a:1', 'b=b:2'],
  );
  const j = await c.patch<Pod>(
    'pods',
    'default',
    'p2',
    [{ op: 'replace', path: '/spec/containers/0/image', value: 'a:3' }],
    'json',
  );
  assert.is(j.spec.containers[0].image, 'a:3');
  await rejects(
    c.patch('pods', 'default', 'p2', { spec: { restartPolicy: 'Never' } }, 'merge'),
    InvalidError,
    /pod updates may not change fields/,
  );
  await rejects(
    c.patch('pods', 'default', 'p2', { spec: { bogus: 1 } }, 'merge'),
    ApiError,
    /unknown field "spec.bogus"/,
  );
  await rejects(
    c.patch('pods', 'default', 'p2', { metadata: { resourceVersion: '1' }, spec: {} }, 'merge'),
    ConflictError,
  );
});

test('binding sets nodeName once and PodScheduled', async () => {
  await c.create('pods', 'default', pod('p3'));
  await c.createSubresource('pods', 'default', 'p3', 'binding', {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'p3' },
    target: { kind: 'Node', name: 'n1' },
  } as never);
  const p = await c.get<Pod>('pods', 'default', 'p3');
  assert.is(p.spec.nodeName, 'n1');
  assert.ok(p.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.status === 'True'));
  await rejects(
    c.createSubresource('pods', 'default', 'p3', 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'p3' },
      target: { name: 'n2' },
    } as never),
    ConflictError,
    /already assigned/,
  );
});

test('delete: bound pod is graceful, gracePeriodSeconds=0 removes; unbound goes at once', async () => {
  await c.delete('pods', 'default', 'p3');
  const p = await c.get<Pod>('pods', 'default', 'p3');
  assert.ok(p.metadata.deletionTimestamp);
  assert.is(p.metadata.deletionGracePeriodSeconds, 30);
  await c.delete('pods', 'default', 'p3', { gracePeriodSeconds: 0 });
  await rejects(c.get('pods', 'default', 'p3'), NotFoundError);
  await c.delete('pods', 'default', 'p1');
  await rejects(c.get('pods', 'default', 'p1'), NotFoundError, /pods "p1" not found/);
  await rejects(c.delete('pods', 'default', 'p1'), NotFoundError);
});

test('secrets: stringData merged into data as base64; bad base64 is 422', async () => {
  const s = await c.create<Secret>('secrets', 'default', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's1' },
    data: { a: Buffer.from('x').toString('base64') },
    stringData: { b: 'hello' },
  });
  assert.is(s.type, 'Opaque');
  assert.is(s.stringData, undefined);
  assert.is(Buffer.from(s.data!.b, 'base64').toString(), 'hello');
  await rejects(
    c.create('secrets', 'default', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's2' },
      data: { a: 'not base64!' },
    } as Secret),
    InvalidError,
    /base64/,
  );
});

test('list: label and field selectors, limit/continue', async () => {
  for (const [n, app] of [
    ['l1', 'web'],
    ['l2', 'web'],
    ['l3', 'db'],
  ])
    await c.create('pods', 'default', pod(n, {}, { tier: app }));
  const web = await c.list<Pod>('pods', 'default', { labelSelector: 'tier=web' });
  assert.equal(web.items.map((p) => p.metadata.name).sort(), ['l1', 'l2']);
  const notWeb = await c.list<Pod>('pods', undefined, {
    labelSelector: 'tier in (db)',
    fieldSelector: 'metadata.namespace=default',
  });
  assert.equal(
    notWeb.items.map((p) => p.metadata.name),
    ['l3'],
  );
  const byName = await c.list<Pod>('pods', 'default', { fieldSelector: 'metadata.name=l2' });
  assert.is(byName.items.length, 1);
  await rejects(
    c.list('pods', 'default', { fieldSelector: 'spec.bogus=1' }),
    ApiError,
    /field label not supported/,
  );
  await rejects(
    c.list('pods', 'default', { labelSelector: 'a in (' }),
    ApiError,
    /unable to parse label selector/,
  );
  const names: string[] = [];
  let cont: string | undefined;
  let pages = 0;
  do {
    const page = await c.list<Pod>('pods', 'default', { limit: 2, ...(cont ? { continue: cont } : {}) });
    names.push(...page.items.map((p) => p.metadata.name!));
    cont = page.metadata.continue;
    pages++;
  } while (cont && pages < 10);
  const all = await c.list<Pod>('pods', 'default');
  assert.equal(
    names,
    all.items.map((p) => p.metadata.name),
  );
  assert.ok(pages >= 2);
});

test('pods by spec.nodeName and status.phase (describe node)', async () => {
  await c.create('pods', 'default', pod('on-n9', { nodeName: 'n9' }));
  const r = await c.list<Pod>('pods', undefined, {
    fieldSelector: 'spec.nodeName=n9,status.phase!=Failed,status.phase!=Succeeded',
  });
  assert.equal(
    r.items.map((p) => p.metadata.name),
    ['on-n9'],
  );
});

test('namespace delete removes its contents; system namespaces are protected', async () => {
  await c.create('namespaces', undefined, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'team' },
  });
  await c.create('configmaps', 'team', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
  await c.create('pods', 'team', pod('px', { nodeName: 'n1' }));
  await c.delete('namespaces', undefined, 'team');
  await rejects(c.get('namespaces', undefined, 'team'), NotFoundError);
  assert.is((await c.list('configmaps', 'team')).items.length, 0);
  assert.is((await c.list('pods', 'team')).items.length, 0);
  await rejects(c.delete('namespaces', undefined, 'default'), ForbiddenError, /may not be deleted/);
});

test('in-process client runs the same validation', async () => {
  await rejects(
    t.api.client.create('pods', 'default', pod('bad', { containers: [] })),
    InvalidError,
    /at least one container/,
  );
});

test.run();
