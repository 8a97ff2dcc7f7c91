// metrics.k8s.io from the boards' reports: quantities in metrics-server's units, a board's
// report speaks only for pods bound to it (same uid), stale reports are not served, a hostile
// report is refused at decode, and requests read the shared informers (a real API and store
// underneath), not the store: no LIST per request.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiClient, ListOptions } from '../../../hub/api/client.js';
import { InformerFactory } from '../../../hub/informers/factory.js';
import { createLogger } from '../../../shared/log.js';
import { createMetricsResources, usageQuantities } from '../../../hub/metrics-api/resources.js';
import { UsageStore } from '../../../hub/metrics-api/usage-store.js';
import type { KubeObject, Node, Pod } from '../../../shared/api/types.js';
import { METRICS_STALE_MS } from '../../../shared/protocol/constants.js';
import { encode, type MetricsReport, parseMetricsReport } from '../../../shared/protocol/messages.js';
import { node as nodeObject, startApi, type TestApi } from '../api/helpers.js';

const pod = (name: string, nodeName: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: name } },
  spec: { nodeName, containers: [{ name: 'c', image: 'i' }] },
});
let t: TestApi;
let factory: InformerFactory;
/** LISTs the metrics resources caused (the informers' first lists excluded). */
let lists = 0;

test.before(async () => {
  t = await startApi();
  const real = t.api.client;
  await real
    .create('namespaces', undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } })
    .catch(() => {});
  for (const n of ['a', 'b']) await real.create('nodes', undefined, nodeObject(n) as unknown as Node);
  for (const p of [pod('mine', 'a'), pod('theirs', 'b')]) await real.create('pods', 'default', p);
  // The real client, counting LISTs.
  const counting = Object.create(real) as ApiClient;
  counting.list = <T extends KubeObject>(r: string, ns: string | undefined, o?: ListOptions) => {
    lists++;
    return real.list<T>(r, ns, o);
  };
  factory = new InformerFactory(counting, createLogger('informers', 40));
});
test.after(async () => {
  factory.stop();
  await t.stop();
});

const report = (pods: MetricsReport['pods']): MetricsReport => ({
  v: 1,
  timestamp: '2026-01-01T00:00:00Z',
  windowSeconds: 15,
  node: { cpuNanoCores: 250_000_000, memoryBytes: 64 * 1024 * 1024 },
  pods,
});

test('quantities: nanocores and KiB', () => {
  assert.equal(usageQuantities(1_500_000_000, 2048), { cpu: '1500000000n', memory: '2Ki' });
});

test('before the shared informers exist the metrics API answers 503', async () => {
  const [nodes] = createMetricsResources(new UsageStore(), () => undefined);
  const code = await nodes.serve!({}).then(
    () => 200,
    (e: { code?: number }) => e.code,
  );
  assert.is(code, 503);
});

test("a board's report counts only for its own pods (same uid); stale reports are not served", async () => {
  let now = 1_000_000;
  const usage = new UsageStore(() => now);
  const [nodes, pods] = createMetricsResources(usage, () => factory);
  const uid = async (name: string) => (await t.api.client.get<Pod>('pods', 'default', name)).metadata.uid;
  const c = (n: string) => ({ name: 'c', cpuNanoCores: n === 'x' ? 0 : 5e8, memoryBytes: 1024 * 1024 });
  // Board a reports its pod, and lies about board b's pod and about a uid it does not run.
  usage.set(
    'a',
    report([
      { namespace: 'default', name: 'mine', uid: (await uid('mine')) ?? '', containers: [c('c')] },
      { namespace: 'default', name: 'theirs', uid: (await uid('theirs')) ?? '', containers: [c('c')] },
      { namespace: 'default', name: 'mine', uid: 'u-not-running', containers: [c('c')] },
    ]),
  );
  const list = (await pods.serve!({ namespace: 'default' })) as unknown as { items: KubeObject[] };
  assert.equal(
    list.items.map((x) => x.metadata.name),
    ['mine'],
  );
  const one = (await pods.serve!({ namespace: 'default', name: 'mine' })) as unknown as {
    containers: { usage: { cpu: string } }[];
  };
  assert.is(one.containers[0].usage.cpu, '500000000n');
  const theirs = await pods.serve!({ namespace: 'default', name: 'theirs' }).then(
    () => 'served',
    (e: { code?: number }) => e.code,
  );
  assert.is(theirs, 404, "another board's pod is not served from this board's report");
  const nl = (await nodes.serve!({})) as unknown as { items: KubeObject[] };
  assert.equal(
    nl.items.map((x) => x.metadata.name),
    ['a'],
  );
  // Two informers listed once each; the five requests above listed nothing.
  assert.is(lists, 2, "only the informers' first lists");
  now += METRICS_STALE_MS + 1;
  assert.equal(((await nodes.serve!({})) as unknown as { items: KubeObject[] }).items, []);
});

test('hostile reports are refused at decode', () => {
  const ok = report([
    {
      namespace: 'default',
      name: 'p',
      uid: 'u',
      containers: [{ name: 'c', cpuNanoCores: 1, memoryBytes: 1 }],
    },
  ]);
  assert.is(parseMetricsReport(encode(ok)).pods.length, 1);
  const bad: [string, unknown][] = [
    ['negative cpu', { ...ok, node: { cpuNanoCores: -1, memoryBytes: 0 } }],
    ['huge memory', { ...ok, node: { cpuNanoCores: 0, memoryBytes: 1e20 } }],
    ['cpu as text', { ...ok, node: { cpuNanoCores: '1', memoryBytes: 0 } }],
    ['bad timestamp', { ...ok, timestamp: 'yesterday' }],
    ['pods not a list', { ...ok, pods: {} }],
    ['too many pods', { ...ok, pods: Array.from({ length: 513 }, () => ok.pods[0]) }],
    [
      'container without name',
      { ...ok, pods: [{ ...ok.pods[0], containers: [{ cpuNanoCores: 1, memoryBytes: 1 }] }] },
    ],
  ];
  for (const [what, r] of bad)
    assert.throws(() => parseMetricsReport(encode(r as MetricsReport)), undefined, what);
});

test.run();
