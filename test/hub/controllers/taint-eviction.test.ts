// NoExecute taint manager + pod GC against the real API (SQLite in a temp dir), no agents:
// node taints and Ready conditions are set by hand as the node lifecycle controller would,
// and pods are created already bound (spec.nodeName) as the scheduler would leave them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PodGarbageCollector } from '../../../hub/controllers/pod-gc.js';
import { TaintEvictionController } from '../../../hub/controllers/taint-eviction.js';
import { EventRecorder } from '../../../hub/events/recorder.js';
import { createLogger } from '../../../shared/log.js';
import type { Event, Node, Pod, Taint, Toleration } from '../../../shared/api/types.js';
import { node, startApi, type TestApi } from '../api/helpers.js';
import { delay, waitFor } from './wait.js';
import { exists } from './fixtures.js';

const UR = 'node.kubernetes.io/unreachable';
let t: TestApi;
let eviction: TaintEvictionController;
let podGc: PodGarbageCollector;

test.before(async () => {
  t = await startApi();
  const log = createLogger('test', 30);
  eviction = new TaintEvictionController({
    client: t.api.client,
    recorder: new EventRecorder({ client: t.api.client, component: 'taint-eviction-controller', log }),
    log,
  });
  podGc = new PodGarbageCollector({ client: t.api.client, log });
  await eviction.start();
  await podGc.start();
});
test.after(async () => {
  await eviction.stop();
  await podGc.stop();
  await t.stop();
});

const c = () => t.api.client;
const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function mkNode(name: string, annotations?: Record<string, string>): Promise<void> {
  const n = node(name) as unknown as Node;
  if (annotations) n.metadata.annotations = annotations;
  await c().create<Node>('nodes', undefined, n);
}

async function mkPod(name: string, nodeName: string, tolerations?: Toleration[]): Promise<Pod> {
  return c().create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'c', image: 'busybox' }],
      ...(tolerations ? { tolerations } : {}),
    },
  });
}

/** Adds a taint (timeAdded now) and, for the unreachable one, Ready=Unknown as the lifecycle controller does. */
async function taint(nodeName: string, t0: Taint): Promise<Taint> {
  const n = await c().get<Node>('nodes', undefined, nodeName);
  const tt: Taint = { ...t0, timeAdded: rfc3339(Date.now()) };
  if (t0.key === UR) {
    const conds = (n.status?.conditions ?? []).filter((x) => x.type !== 'Ready');
    conds.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' });
    await c().update<Node>(
      'nodes',
      undefined,
      { ...n, status: { ...n.status, conditions: conds } },
      'status',
    );
  }
  const cur = await c().get<Node>('nodes', undefined, nodeName);
  await c().update<Node>('nodes', undefined, {
    ...cur,
    spec: { ...cur.spec, taints: [...(cur.spec.taints ?? []), tt] },
  });
  return tt;
}

async function untaint(nodeName: string): Promise<void> {
  const n = await c().get<Node>('nodes', undefined, nodeName);
  await c().update<Node>('nodes', undefined, { ...n, spec: { ...n.spec, taints: [] } });
}

const terminating = (name: string) => async () => {
  const p = (await exists(t, 'pods', name)) as Pod | undefined;
  return !p || p.metadata.deletionTimestamp !== undefined;
};

const events = async (pod: string, reason: string) =>
  (await c().list<Event>('events', 'default')).items.filter(
    (e) => e.involvedObject.name === pod && e.reason === reason,
  );

test('pod GC: a pod starting to terminate on a Ready node brings no sweep; on a node not Ready it does', async () => {
  let sweeps = 0;
  const reconcile = podGc.reconcile.bind(podGc);
  podGc.reconcile = () => {
    sweeps++;
    return reconcile();
  };
  try {
    await waitFor('the start-up sweep done', () => podGc.idle());
    await mkNode('n-ready');
    await mkPod('p-ready', 'n-ready');
    const before = sweeps;
    await c().delete('pods', 'default', 'p-ready');
    await waitFor('p-ready terminating', terminating('p-ready'));
    await delay(300);
    assert.is(sweeps - before, 0, 'sweeps after a graceful delete on a Ready node');
    await taint('n-ready', { key: UR, effect: 'NoExecute' }); // Ready=Unknown: a sweep
    await waitFor('a sweep for the node no longer Ready', () => sweeps > before);
  } finally {
    podGc.reconcile = reconcile;
  }
});

test('no toleration: evicted at once when the node gets a NoExecute taint; event TaintManagerEviction', async () => {
  await mkNode('n-now');
  await mkPod('p-now', 'n-now');
  await mkPod('p-tolerant', 'n-now', [
    { key: 'example.com/maintenance', operator: 'Exists', effect: 'NoExecute' },
  ]);
  await delay(200);
  assert.not.ok(await terminating('p-now')(), 'nothing happens without a taint');
  const t0 = Date.now();
  await taint('n-now', { key: 'example.com/maintenance', effect: 'NoExecute' });
  await waitFor('p-now evicted', terminating('p-now'), 3000);
  assert.ok(Date.now() - t0 < 1500, `evicted within 1.5 s (${Date.now() - t0} ms)`);
  await waitFor('event', async () => (await events('p-now', 'TaintManagerEviction')).length === 1);
  // The node is Ready: the graceful deletion waits for its agent, the pod GC leaves it.
  await delay(1500);
  assert.ok(await exists(t, 'pods', 'p-now'), 'still terminating on a Ready node');
  assert.not.ok(await terminating('p-tolerant')(), 'a pod tolerating the taint stays');
});

test('tolerationSeconds 2: evicted ~2 s after timeAdded, then force-deleted on the unreachable node', async () => {
  await mkNode('n-2s');
  await mkPod('p-2s', 'n-2s', [{ key: UR, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }]);
  await mkPod('p-300', 'n-2s'); // admission gives it 300 s
  const tt = await taint('n-2s', { key: UR, effect: 'NoExecute' });
  const added = Date.parse(tt.timeAdded ?? '');
  await delay(1000);
  assert.not.ok(await terminating('p-2s')(), 'not before the toleration runs out');
  await waitFor('p-2s evicted', terminating('p-2s'), 5000);
  const at = Date.now();
  assert.ok(at >= added + 2000 - 50, `not early (${at - added} ms after timeAdded)`);
  assert.ok(at <= added + 3500, `not late (${at - added} ms after timeAdded)`);
  // grace 1 s on a node that is not Ready: the pod GC removes the object.
  await waitFor('p-2s force-deleted', async () => (await exists(t, 'pods', 'p-2s')) === undefined, 5000);
  assert.not.ok(await terminating('p-300')(), 'the 300 s default toleration keeps the other pod');
});

test('autonomy 0: pods are never evicted from that node; an event says so', async () => {
  await mkNode('n-auto0', { 'drover.io/autonomy-seconds': '0' });
  await mkPod('p-auto-2s', 'n-auto0', [
    { key: UR, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
  ]);
  // Tolerates only another value of the key: would be evicted at once without autonomy.
  await mkPod('p-auto-none', 'n-auto0', [{ key: UR, operator: 'Equal', value: 'x', effect: 'NoExecute' }]);
  await taint('n-auto0', { key: UR, effect: 'NoExecute' });
  await waitFor(
    'suppressed event',
    async () => (await events('p-auto-2s', 'TaintManagerEvictionSuppressed')).length === 1,
  );
  assert.match((await events('p-auto-2s', 'TaintManagerEvictionSuppressed'))[0]?.message ?? '', 'autonomy');
  await delay(3500); // well past the 2 s toleration
  assert.not.ok(await terminating('p-auto-2s')(), 'still running past its toleration');
  assert.not.ok(await terminating('p-auto-none')(), 'not evicted at once either');
  assert.is((await events('p-auto-2s', 'TaintManagerEvictionSuppressed')).length, 1, 'said once');
});

test('autonomy 1: replaces the 300 s default delay for the node-health taints', async () => {
  await mkNode('n-auto1', { 'drover.io/autonomy-seconds': '1' });
  await mkPod('p-auto1', 'n-auto1');
  const tt = await taint('n-auto1', { key: UR, effect: 'NoExecute' });
  await waitFor('evicted', terminating('p-auto1'), 4000);
  assert.ok(Date.now() >= Date.parse(tt.timeAdded ?? '') + 1000 - 50);
});

test('the taint goes before the toleration ends: no eviction', async () => {
  await mkNode('n-heal');
  await mkPod('p-heal', 'n-heal', [
    { key: UR, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
  ]);
  await taint('n-heal', { key: UR, effect: 'NoExecute' });
  await delay(500);
  await untaint('n-heal');
  await delay(2500);
  assert.not.ok(await terminating('p-heal')());
});

test('pod GC: pods bound to a deleted node are force-deleted', async () => {
  await mkNode('n-gone');
  await mkPod('p-orphan', 'n-gone');
  await c().delete('nodes', undefined, 'n-gone');
  await waitFor('orphan pod removed', async () => (await exists(t, 'pods', 'p-orphan')) === undefined, 5000);
});

test.run();
