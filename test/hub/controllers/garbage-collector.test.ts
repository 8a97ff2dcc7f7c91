// Garbage collector against the real API (SQLite in a temp dir): background, foreground and
// orphan cascades through ownerReferences, with the in-process client and with the real
// kubectl `delete --cascade=...`. ReplicaSets, Deployments and pods are made by hand (no
// ReplicaSet/Deployment controller runs here); pods are unbound, so they go at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GarbageCollector } from '../../../hub/controllers/garbage-collector.js';
import { InformerFactory } from '../../../hub/informers/factory.js';
import type { Deployment, ReplicaSet } from '../../../shared/api/apps.js';
import { createLogger } from '../../../shared/log.js';
import type { Pod } from '../../../shared/api/types.js';
import { startApi, type TestApi } from '../api/helpers.js';
import { delay, waitFor } from './wait.js';
import { deployment, exists, kubectl, ownerRef, pod, replicaSet, writeKubeconfig } from './fixtures.js';

let t: TestApi;
let gc: GarbageCollector;
let informers: InformerFactory;
let kubeconfig: string;

test.before(async () => {
  t = await startApi();
  const log = createLogger('gc', 30);
  informers = new InformerFactory(t.api.client, log);
  gc = new GarbageCollector({ client: t.api.client, foregroundRecheckMs: 100, log, informers });
  await gc.start();
  kubeconfig = writeKubeconfig(t);
});
test.after(async () => {
  await gc.stop();
  informers.stop();
  await t.stop();
});

const c = () => t.api.client;

/** A ReplicaSet with n pods owned by it. */
async function rsWithPods(name: string, n: number, podExtra: Partial<Pod['metadata']> = {}) {
  const rs = await c().create<ReplicaSet>('replicasets', 'default', replicaSet(name));
  const pods: Pod[] = [];
  for (let i = 0; i < n; i++)
    pods.push(await c().create<Pod>('pods', 'default', pod(`${name}-${i}`, [ownerRef(rs)], podExtra)));
  return { rs, pods };
}

const gone = (resource: string, name: string) => async () => (await exists(t, resource, name)) === undefined;

test('background (default): deleting the ReplicaSet removes it at once, then its pods', async () => {
  const { pods } = await rsWithPods('bg', 3);
  await c().delete('replicasets', 'default', 'bg');
  assert.is(await exists(t, 'replicasets', 'bg'), undefined, 'owner gone at once');
  for (const p of pods)
    await waitFor(`pod ${p.metadata.name} collected`, gone('pods', p.metadata.name ?? ''));
});

test('foreground: the owner waits (deletionTimestamp + foregroundDeletion) until blocking dependents are gone', async () => {
  // One pod holds its own finalizer, so its deletion (and the owner's) cannot finish yet.
  const { pods } = await rsWithPods('fg', 2);
  const held = await c().create<Pod>(
    'pods',
    'default',
    pod('fg-held', [ownerRef((await c().get<ReplicaSet>('replicasets', 'default', 'fg')) as ReplicaSet)], {
      finalizers: ['example.com/hold'],
    }),
  );
  await c().delete('replicasets', 'default', 'fg', { propagationPolicy: 'Foreground' });
  const rs = await c().get<ReplicaSet>('replicasets', 'default', 'fg');
  assert.ok(rs.metadata.deletionTimestamp, 'owner is terminating');
  assert.ok(rs.metadata.finalizers?.includes('foregroundDeletion'));
  for (const p of pods) await waitFor(`pod ${p.metadata.name} deleted`, gone('pods', p.metadata.name ?? ''));
  const h = await waitFor('held pod terminating', async () => {
    const x = await c().get<Pod>('pods', 'default', 'fg-held');
    return x.metadata.deletionTimestamp ? x : undefined;
  });
  await delay(300);
  assert.ok(await exists(t, 'replicasets', 'fg'), 'owner still there while a blocking dependent remains');
  await c().update<Pod>('pods', 'default', { ...h, metadata: { ...h.metadata, finalizers: [] } });
  await waitFor('held pod gone', gone('pods', held.metadata.name ?? ''));
  await waitFor('owner gone after its dependents', gone('replicasets', 'fg'));
});

test('foreground: a dependent with blockOwnerDeletion=false does not hold the owner', async () => {
  const rs = await c().create<ReplicaSet>('replicasets', 'default', replicaSet('fgnb'));
  await c().create<Pod>(
    'pods',
    'default',
    pod('fgnb-0', [ownerRef(rs, false)], { finalizers: ['example.com/hold'] }),
  );
  await c().delete('replicasets', 'default', 'fgnb', { propagationPolicy: 'Foreground' });
  await waitFor('owner gone', gone('replicasets', 'fgnb'));
  const p = await c().get<Pod>('pods', 'default', 'fgnb-0');
  assert.ok(p.metadata.deletionTimestamp, 'the non-blocking dependent was still deleted');
  await c().update<Pod>('pods', 'default', { ...p, metadata: { ...p.metadata, finalizers: [] } });
  await waitFor('pod gone', gone('pods', 'fgnb-0'));
});

test('orphan: the owner goes, its dependents stay without the ownerReference', async () => {
  const { pods } = await rsWithPods('or', 2);
  await c().delete('replicasets', 'default', 'or', { propagationPolicy: 'Orphan' });
  await waitFor('owner gone', gone('replicasets', 'or'));
  for (const p of pods) {
    const x = await c().get<Pod>('pods', 'default', p.metadata.name ?? '');
    assert.equal(x.metadata.ownerReferences ?? [], [], 'ownerReference removed');
    assert.not.ok(x.metadata.deletionTimestamp);
  }
  await delay(200);
  for (const p of pods) assert.ok(await exists(t, 'pods', p.metadata.name ?? ''), 'orphans stay');
});

test('two owners: one deleted -> its reference is dropped, the dependent stays', async () => {
  const a = await c().create<ReplicaSet>('replicasets', 'default', replicaSet('own-a'));
  const b = await c().create<ReplicaSet>('replicasets', 'default', replicaSet('own-b'));
  await c().create<Pod>(
    'pods',
    'default',
    pod('shared', [ownerRef(a), { ...ownerRef(b), controller: false }]),
  );
  await c().delete('replicasets', 'default', 'own-b');
  const p = await waitFor('ref dropped', async () => {
    const x = await c().get<Pod>('pods', 'default', 'shared');
    return x.metadata.ownerReferences?.length === 1 ? x : undefined;
  });
  assert.is(p.metadata.ownerReferences?.[0]?.name, 'own-a');
  await c().delete('replicasets', 'default', 'own-a');
  await waitFor('pod collected once its last owner is gone', gone('pods', 'shared'));
});

test('an owner reference with a stale uid counts as absent', async () => {
  const rs = await c().create<ReplicaSet>('replicasets', 'default', replicaSet('stale'));
  await c().create<Pod>('pods', 'default', pod('stale-0', [{ ...ownerRef(rs), uid: 'not-the-uid' }]));
  await waitFor('collected', gone('pods', 'stale-0'));
  assert.ok(await exists(t, 'replicasets', 'stale'));
});

test('a new dependent whose owner is cached with its uid is not checked; one with a stale uid is', async () => {
  const checked: string[] = [];
  const reconcile = gc.reconcile.bind(gc);
  gc.reconcile = (key) => {
    checked.push(key);
    return reconcile(key);
  };
  try {
    const rs = await c().create<ReplicaSet>('replicasets', 'default', replicaSet('held'));
    await waitFor('the owner is cached', () => informers.informer('replicasets').get('default/held'));
    await c().create<Pod>('pods', 'default', pod('held-0', [ownerRef(rs)]));
    // Events reach the collector in order: once the later pod is collected, the first was seen.
    await c().create<Pod>('pods', 'default', pod('held-stale', [{ ...ownerRef(rs), uid: 'not-the-uid' }]));
    await waitFor('the stale one collected', gone('pods', 'held-stale'));
    assert.ok(checked.includes('d/pods/default/held-stale'), 'the stale reference was checked');
    assert.not.ok(checked.includes('d/pods/default/held-0'), 'the held owner: no check');
    assert.ok(await exists(t, 'pods', 'held-0'));
    // Its owner going still takes it along.
    await c().delete('replicasets', 'default', 'held');
    await waitFor('held-0 collected with its owner', gone('pods', 'held-0'));
  } finally {
    gc.reconcile = reconcile;
  }
});

/** Deployment -> ReplicaSet -> pods, built by hand. */
async function chain(name: string) {
  const d = await c().create<Deployment>('deployments', 'default', deployment(name));
  const rs = await c().create<ReplicaSet>('replicasets', 'default', replicaSet(`${name}-rs`, [ownerRef(d)]));
  for (let i = 0; i < 2; i++)
    await c().create<Pod>('pods', 'default', pod(`${name}-rs-${i}`, [ownerRef(rs)]));
}

test('kubectl delete deployment (cascade=background default): replicaset and pods follow', async () => {
  await chain('kbg');
  const r = await kubectl(kubeconfig, 'delete', 'deployment', 'kbg');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, 'deployment.apps "kbg" deleted');
  await waitFor('rs gone', gone('replicasets', 'kbg-rs'));
  for (const i of [0, 1]) await waitFor('pod gone', gone('pods', `kbg-rs-${i}`));
});

test('kubectl delete --cascade=foreground waits until the dependents are gone', async () => {
  await chain('kfg');
  const r = await kubectl(kubeconfig, 'delete', 'deployment', 'kfg', '--cascade=foreground');
  assert.is(r.code, 0, r.err);
  // kubectl waits for the object to disappear, which needs the dependents gone first.
  assert.is(await exists(t, 'deployments', 'kfg'), undefined);
  assert.is(await exists(t, 'replicasets', 'kfg-rs'), undefined, 'rs gone before the deployment');
  for (const i of [0, 1]) assert.is(await exists(t, 'pods', `kfg-rs-${i}`), undefined);
});

test('kubectl delete --cascade=orphan leaves the replicaset (and its pods)', async () => {
  await chain('kor');
  const r = await kubectl(kubeconfig, 'delete', 'deployment', 'kor', '--cascade=orphan');
  assert.is(r.code, 0, r.err);
  await waitFor('deployment gone', gone('deployments', 'kor'));
  const rs = await c().get<ReplicaSet>('replicasets', 'default', 'kor-rs');
  assert.equal(rs.metadata.ownerReferences ?? [], []);
  await delay(200);
  for (const i of [0, 1]) assert.ok(await exists(t, 'pods', `kor-rs-${i}`));
});

test.run();
