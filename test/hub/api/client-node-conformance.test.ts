// Conformance with the official JavaScript client (#17: "a conformance suite that drives the hub
// with the real kubectl and with @kubernetes/client-node"). A real hub on loopback (HTTPS, its
// admin kubeconfig with a client certificate, loaded by the client as any tool loads one);
// every call goes through @kubernetes/client-node 2.x's generated APIs, its generic
// KubernetesObjectApi (what GitOps tools and operators on Node use), its Watch and its informer.
// Kubectl's side of the same table is in kubectl.test.ts, server-side-apply.test.ts, dry-run,
// eviction and CRD tests.

import { join } from 'node:path';
import {
  ApiException,
  ApiextensionsV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  type KubernetesObject,
  makeInformer,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
  type V1ConfigMap,
  type V1Deployment,
  Watch,
} from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hub } from '../../../hub/hub.js';
import { waitFor } from '../../helpers/wait.js';
import { tempDir, testHub } from '../gateway/harness.js';

let dir: ReturnType<typeof tempDir>;
let hub: Hub;
let kc: KubeConfig;
const NS = 'default';

test.before(async () => {
  dir = tempDir('drover-client-node-');
  hub = await testHub(dir.path);
  kc = new KubeConfig();
  kc.loadFromFile(join(dir.path, 'kubeconfig'));
});

test.after(async () => {
  await hub?.stop();
  dir?.cleanup();
});

/** The Status object of a refused call, as the client hands it over. */
async function refused(p: Promise<unknown>): Promise<{ code: number; reason?: string; message?: string }> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, ApiException);
    const ex = e as ApiException<unknown>;
    const body = (typeof ex.body === 'string' ? JSON.parse(ex.body) : ex.body) as {
      kind?: string;
      reason?: string;
      message?: string;
      code?: number;
    };
    assert.is(body.kind, 'Status', 'the body is a Status');
    assert.is(body.code, ex.code);
    return { code: ex.code, reason: body.reason, message: body.message };
  }
  throw new Error('expected the hub to refuse');
}

const cm = (
  name: string,
  data: Record<string, string>,
  labels: Record<string, string> = {},
): V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: NS, labels },
  data,
});

test('generic object API: create, read, replace, a stale replace is 409, delete, then 404', async () => {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const created = await objects.create(cm('cn-crud', { a: '1' }));
  assert.ok(created.metadata?.resourceVersion);
  const read = await objects.read<V1ConfigMap>({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cn-crud', namespace: NS },
  });
  assert.equal(read.data, { a: '1' });
  const replaced = await objects.replace({ ...read, data: { a: '2' } });
  assert.is.not(replaced.metadata?.resourceVersion, read.metadata?.resourceVersion);
  const stale = await refused(objects.replace({ ...read, data: { a: '3' } }));
  assert.equal([stale.code, stale.reason], [409, 'Conflict']);
  await objects.delete({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cn-crud', namespace: NS } });
  const gone = await refused(
    objects.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cn-crud', namespace: NS } }),
  );
  assert.equal([gone.code, gone.reason], [404, 'NotFound']);
  assert.match(gone.message ?? '', 'configmaps "cn-crud" not found');
});

test('typed API: generateName, label selectors and limit/continue pagination', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const gen = await core.createNamespacedConfigMap({
    namespace: NS,
    body: { metadata: { generateName: 'cn-gen-', labels: { suite: 'cn-page' } }, data: {} },
  });
  assert.match(gen.metadata?.name ?? '', /^cn-gen-[a-z0-9]{5}$/);
  for (let i = 0; i < 4; i++)
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: cm(`cn-page-${i}`, {}, { suite: 'cn-page' }),
    });
  const names: string[] = [];
  let cont: string | undefined;
  let pages = 0;
  do {
    const page = await core.listNamespacedConfigMap({
      namespace: NS,
      labelSelector: 'suite=cn-page',
      limit: 2,
      _continue: cont,
    });
    names.push(...page.items.map((x) => x.metadata?.name ?? ''));
    cont = page.metadata?._continue || undefined;
    pages++;
  } while (cont);
  assert.is(pages, 3, 'five objects in pages of two');
  assert.equal(names.sort(), [gen.metadata?.name, 'cn-page-0', 'cn-page-1', 'cn-page-2', 'cn-page-3'].sort());
});

test('patches as the client sends them: merge, JSON and strategic merge (containers by name); the scale subresource', async () => {
  const apps = kc.makeApiClient(AppsV1Api);
  const d: V1Deployment = {
    metadata: { name: 'cn-web', namespace: NS },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'cn-web' } },
      template: {
        metadata: { labels: { app: 'cn-web' } },
        spec: {
          containers: [
            { name: 'a', image: 'a:1' },
            { name: 'b', image: 'b:1' },
          ],
        },
      },
    },
  };
  await apps.createNamespacedDeployment({ namespace: NS, body: d });
  await apps.patchNamespacedDeployment(
    { name: 'cn-web', namespace: NS, body: { metadata: { labels: { tier: 'edge' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await apps.patchNamespacedDeployment(
    {
      name: 'cn-web',
      namespace: NS,
      body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'a:2' }],
    },
    setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
  );
  await apps.patchNamespacedDeployment(
    {
      name: 'cn-web',
      namespace: NS,
      body: { spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
  );
  const got = await apps.readNamespacedDeployment({ name: 'cn-web', namespace: NS });
  assert.is(got.metadata?.labels?.tier, 'edge');
  assert.equal(
    got.spec?.template.spec?.containers.map((c) => [c.name, c.image]),
    [
      ['a', 'a:2'],
      ['b', 'b:2'],
    ],
    'the strategic patch merged container b by name and kept a',
  );
  await apps.replaceNamespacedDeploymentScale({
    name: 'cn-web',
    namespace: NS,
    body: { metadata: { name: 'cn-web', namespace: NS }, spec: { replicas: 3 } },
  });
  const scale = await apps.readNamespacedDeploymentScale({ name: 'cn-web', namespace: NS });
  assert.is(scale.spec?.replicas, 3);
});

test('server-side apply through the generic API: two managers, a conflict, then force', async () => {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const apply = (data: Record<string, string>, manager: string, force = false) =>
    objects.patch(cm('cn-ssa', data), undefined, undefined, manager, force, PatchStrategy.ServerSideApply);
  await apply({ owner: 'ci' }, 'ci-pipeline');
  const conflict = await refused(apply({ owner: 'operator' }, 'fleet-operator'));
  assert.is(conflict.code, 409);
  assert.match(conflict.message ?? '', 'ci-pipeline');
  const forced = await apply({ owner: 'operator' }, 'fleet-operator', true);
  assert.is(forced.data?.owner, 'operator');
  const managers = (forced.metadata?.managedFields ?? []).map((m) => m.manager);
  assert.ok(managers.includes('fleet-operator'), managers.join(','));
});

test('server dry-run: the answer is the object as it would be; nothing is stored', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const would = await core.createNamespacedConfigMap({
    namespace: NS,
    body: cm('cn-dry', { x: '1' }),
    dryRun: 'All',
  });
  assert.is(would.metadata?.name, 'cn-dry');
  const gone = await refused(core.readNamespacedConfigMap({ name: 'cn-dry', namespace: NS }));
  assert.is(gone.code, 404);
});

test('Watch from a resourceVersion with bookmarks: the changes in order, and a BOOKMARK before the hub closes it', async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const start = (await core.listNamespacedConfigMap({ namespace: NS })).metadata?.resourceVersion;
  await core.createNamespacedConfigMap({ namespace: NS, body: cm('cn-watch', { v: '1' }) });
  await core.patchNamespacedConfigMap(
    { name: 'cn-watch', namespace: NS, body: { data: { v: '2' } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await core.deleteNamespacedConfigMap({ name: 'cn-watch', namespace: NS });
  const seen: string[] = [];
  let done: (e?: unknown) => void = () => {};
  const ended = new Promise<unknown>((r) => {
    done = r;
  });
  await new Watch(kc).watch(
    `/api/v1/namespaces/${NS}/configmaps`,
    { resourceVersion: start, allowWatchBookmarks: true, timeoutSeconds: 2 },
    (type, obj: KubernetesObject) => {
      if (type === 'BOOKMARK') seen.push('BOOKMARK');
      else if (obj.metadata?.name === 'cn-watch') seen.push(type);
    },
    (err) => done(err),
  );
  const err = await ended;
  assert.not.ok(err, String(err));
  assert.equal(
    seen.filter((s) => s !== 'BOOKMARK'),
    ['ADDED', 'MODIFIED', 'DELETED'],
  );
  assert.is(seen.at(-1), 'BOOKMARK', 'the last event is the bookmark sent before closing');
});

test("the client's informer: a cache from list + watch that follows adds, updates and deletes", async () => {
  const core = kc.makeApiClient(CoreV1Api);
  const informer = makeInformer<V1ConfigMap>(
    kc,
    `/api/v1/namespaces/${NS}/configmaps`,
    () => core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'suite=cn-inf' }),
    'suite=cn-inf',
  );
  const events: string[] = [];
  informer.on('add', (o) => events.push(`add ${o.metadata?.name}`));
  informer.on('update', (o) => events.push(`update ${o.metadata?.name} ${o.data?.v}`));
  informer.on('delete', (o) => events.push(`delete ${o.metadata?.name}`));
  await informer.start();
  try {
    await core.createNamespacedConfigMap({
      namespace: NS,
      body: cm('cn-inf', { v: '1' }, { suite: 'cn-inf' }),
    });
    await waitFor(() => informer.get('cn-inf', NS)?.data?.v === '1', { what: 'cached', timeoutMs: 10_000 });
    await core.patchNamespacedConfigMap(
      { name: 'cn-inf', namespace: NS, body: { data: { v: '2' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitFor(() => informer.get('cn-inf', NS)?.data?.v === '2', {
      what: 'update cached',
      timeoutMs: 10_000,
    });
    await core.deleteNamespacedConfigMap({ name: 'cn-inf', namespace: NS });
    await waitFor(() => informer.get('cn-inf', NS) === undefined, {
      what: 'delete cached',
      timeoutMs: 10_000,
    });
    assert.equal(events, ['add cn-inf', 'update cn-inf 2', 'delete cn-inf']);
  } finally {
    await informer.stop();
  }
});

test('Leases (coordination/v1) and eviction with a PodDisruptionBudget (policy/v1): 429 when the budget is spent', async () => {
  const coord = kc.makeApiClient(CoordinationV1Api);
  const lease = await coord.createNamespacedLease({
    namespace: NS,
    body: { metadata: { name: 'cn-lease' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 10 } },
  });
  const renewed = await coord.replaceNamespacedLease({
    name: 'cn-lease',
    namespace: NS,
    body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } },
  });
  assert.is(renewed.spec?.holderIdentity, 'b');
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedPod({
    namespace: NS,
    body: {
      metadata: { name: 'cn-evict', labels: { app: 'cn-evict' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    },
  });
  // A Pending pod may always be evicted (upstream's canIgnorePDB): this one reports Running and Ready.
  const pod = await core.readNamespacedPod({ name: 'cn-evict', namespace: NS });
  await core.replaceNamespacedPodStatus({
    name: 'cn-evict',
    namespace: NS,
    body: {
      ...pod,
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date() }],
      },
    },
  });
  const policy = kc.makeApiClient(PolicyV1Api);
  await policy.createNamespacedPodDisruptionBudget({
    namespace: NS,
    body: {
      metadata: { name: 'cn-pdb' },
      spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'cn-evict' } } },
    },
  });
  await waitFor(
    async () => {
      const st = (await policy.readNamespacedPodDisruptionBudget({ name: 'cn-pdb', namespace: NS })).status;
      return st?.currentHealthy === 1 && st.disruptionsAllowed === 0;
    },
    { what: 'the budget counts the healthy pod', timeoutMs: 10_000 },
  );
  const evict = () =>
    core.createNamespacedPodEviction({
      name: 'cn-evict',
      namespace: NS,
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'cn-evict', namespace: NS } },
    });
  const spent = await refused(evict());
  assert.equal([spent.code, spent.reason], [429, 'TooManyRequests']);
  assert.match(spent.message ?? '', 'disruption budget');
  assert.ok(await core.readNamespacedPod({ name: 'cn-evict', namespace: NS }), 'the pod stays');
});

test('a CustomResourceDefinition, then its objects through CustomObjectsApi', async () => {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  await ext.createCustomResourceDefinition({
    body: {
      metadata: { name: 'gadgets.cn.example.com' },
      spec: {
        group: 'cn.example.com',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } },
                },
              },
            },
          },
        ],
      },
    },
  });
  await waitFor(
    async () =>
      (await ext.readCustomResourceDefinition({ name: 'gadgets.cn.example.com' })).status?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      ),
    { what: 'CRD Established', timeoutMs: 10_000 },
  );
  const custom = kc.makeApiClient(CustomObjectsApi);
  const where = { group: 'cn.example.com', version: 'v1', namespace: NS, plural: 'gadgets' };
  await custom.createNamespacedCustomObject({
    ...where,
    body: { apiVersion: 'cn.example.com/v1', kind: 'Gadget', metadata: { name: 'g1' }, spec: { size: 2 } },
  });
  const bad = await refused(
    custom.createNamespacedCustomObject({
      ...where,
      body: { apiVersion: 'cn.example.com/v1', kind: 'Gadget', metadata: { name: 'g2' }, spec: { size: 0 } },
    }),
  );
  assert.equal([bad.code, bad.reason], [422, 'Invalid']);
  const list = (await custom.listNamespacedCustomObject(where)) as { items: KubernetesObject[] };
  assert.equal(
    list.items.map((o) => o.metadata?.name),
    ['g1'],
  );
});

test.run();
