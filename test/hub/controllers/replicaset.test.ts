// ReplicaSet controller on the real API (SQLite in a temp dir): creates, adopts, releases,
// deletes in Kubernetes' order, reports status. Pods are made Ready by the FakeKubelet fixture.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareForDeletion, podsToDelete } from '../../../hub/controllers/active-pods.js';
import type { ReplicaSet } from '../../../shared/api/apps.js';
import { NEXT_IMAGES_ANNOTATION } from '../../../shared/api/next-images.js';
import type { Pod } from '../../../shared/api/types.js';
import { type Fixture, startFixture } from './deployment-fixture.js';
import { waitFor } from './wait.js';

let f: Fixture;
test.before(async () => {
  f = await startFixture();
});
test.after(async () => f.stop());

const NS = 'default';

function replicaSet(name: string, replicas: number, extra: Partial<ReplicaSet['spec']> = {}): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, tier: 'x' } },
        spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
      },
      ...extra,
    },
  };
}

async function podsOf(app: string): Promise<Pod[]> {
  return (await f.client.list<Pod>('pods', NS, { labelSelector: `app=${app}` })).items;
}
const active = (ps: Pod[]) => ps.filter((p) => !p.metadata.deletionTimestamp);

function pod(
  name: string,
  o: {
    node?: string;
    phase?: Pod['status'] extends infer S ? (S extends { phase?: infer P } ? P : never) : never;
    ready?: boolean;
    readySince?: number;
    created?: number;
    restarts?: number;
    cost?: string;
  },
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      creationTimestamp: new Date(o.created ?? 0).toISOString(),
      ...(o.cost ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': o.cost } } : {}),
    },
    spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [
        {
          type: 'Ready',
          status: o.ready ? 'True' : 'False',
          lastTransitionTime: new Date(o.readySince ?? 0).toISOString(),
        },
      ],
      containerStatuses: [
        { name: 'c', ready: !!o.ready, restartCount: o.restarts ?? 0, image: '', imageID: '' },
      ],
    },
  };
}

test('deletion order follows controller.ActivePodsWithRanks', () => {
  const cases: { name: string; first: Pod; second: Pod }[] = [
    {
      name: 'unassigned before assigned',
      first: pod('a', { phase: 'Pending' }),
      second: pod('b', { node: 'n', ready: true }),
    },
    {
      name: 'pending before running',
      first: pod('a', { node: 'n', phase: 'Pending' }),
      second: pod('b', { node: 'n' }),
    },
    {
      name: 'unknown before running',
      first: pod('a', { node: 'n', phase: 'Unknown' }),
      second: pod('b', { node: 'n' }),
    },
    {
      name: 'not ready before ready',
      first: pod('a', { node: 'n' }),
      second: pod('b', { node: 'n', ready: true }),
    },
    {
      name: 'lower deletion cost first',
      first: pod('a', { node: 'n', ready: true, cost: '-5' }),
      second: pod('b', { node: 'n', ready: true }),
    },
    {
      name: 'ready for less time first',
      first: pod('a', { node: 'n', ready: true, readySince: 2000 }),
      second: pod('b', { node: 'n', ready: true, readySince: 1000 }),
    },
    {
      name: 'more restarts first',
      first: pod('a', { node: 'n', ready: true, restarts: 3 }),
      second: pod('b', { node: 'n', ready: true }),
    },
    {
      name: 'newer before older',
      first: pod('a', { node: 'n', ready: true, created: 5000 }),
      second: pod('b', { node: 'n', ready: true, created: 1000 }),
    },
  ];
  for (const c of cases) {
    assert.ok(compareForDeletion(c.first, c.second) < 0, c.name);
    assert.ok(compareForDeletion(c.second, c.first) > 0, `${c.name} (reversed)`);
  }
  // Doubled-up: of two equal pods, the one sharing its node with more siblings goes first.
  const lone = pod('lone', { node: 'n1', ready: true });
  const dup1 = pod('dup1', { node: 'n2', ready: true });
  const dup2 = pod('dup2', { node: 'n2', ready: true });
  assert.equal(
    podsToDelete([lone, dup1, dup2], 1).map((p) => p.metadata.name),
    ['dup1'],
  );
});

test('creates replicas pods with ownerReferences and generateName, then reports status', async () => {
  const rs = await f.client.create<ReplicaSet>('replicasets', NS, replicaSet('web', 3));
  const pods = await waitFor('3 pods', async () =>
    (await podsOf('web')).length === 3 ? podsOf('web') : undefined,
  );
  for (const p of pods) {
    assert.match(p.metadata.name ?? '', /^web-[a-z0-9]{5}$/);
    assert.equal(p.metadata.ownerReferences, [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web',
        uid: rs.metadata.uid ?? '',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.is(p.metadata.labels?.tier, 'x');
  }
  const st = await waitFor('status', async () => {
    const r = await f.client.get<ReplicaSet>('replicasets', NS, 'web');
    return r.status?.availableReplicas === 3 ? r.status : undefined;
  });
  assert.equal(st, {
    replicas: 3,
    fullyLabeledReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    observedGeneration: 1,
  });
});

test('scale down deletes unscheduled, then not-ready pods first', async () => {
  const pods = await podsOf('web');
  await waitFor('all ready', async () => (await podsOf('web')).every((p) => p.status?.phase === 'Running'));
  const [keep, notReady, unscheduled] = pods.map((p) => p.metadata.name ?? '');
  // keep and notReady are scheduled; notReady then turns not ready; unscheduled stays unbound.
  for (const n of [keep, notReady])
    await f.client.createSubresource('pods', NS, n, 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: n },
      target: { kind: 'Node', name: 'pi-1' },
    } as never);
  await f.kubelet.setReady(NS, notReady, false);
  await f.client.patch('replicasets', NS, 'web', { spec: { replicas: 1 } });
  const left = await waitFor('one active pod', async () => {
    const a = active(await podsOf('web'));
    return a.length === 1 ? a : undefined;
  });
  assert.is(left[0].metadata.name, keep);
  const all = await podsOf('web');
  assert.not.ok(
    all.some((p) => p.metadata.name === unscheduled),
    'the unscheduled pod is gone at once',
  );
  // The bound pod is terminating (graceful: the agent would confirm), not counted.
  assert.ok(all.find((p) => p.metadata.name === notReady)?.metadata.deletionTimestamp);
  await waitFor(
    'status replicas 1',
    async () => (await f.client.get<ReplicaSet>('replicasets', NS, 'web')).status?.replicas === 1,
  );
  const rs = await f.client.get<ReplicaSet>('replicasets', NS, 'web');
  assert.is(rs.status?.observedGeneration, 2);
});

test('adopts a matching orphan instead of creating one; releases a relabelled pod', async () => {
  await f.client.create<Pod>('pods', NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'orphan', labels: { app: 'api', tier: 'x' } },
    spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
  });
  const rs = await f.client.create<ReplicaSet>('replicasets', NS, replicaSet('api', 2));
  const pods = await waitFor('2 pods', async () => {
    const ps = await podsOf('api');
    return ps.length === 2 && ps.every((p) => p.metadata.ownerReferences?.length) ? ps : undefined;
  });
  const orphan = pods.find((p) => p.metadata.name === 'orphan');
  assert.ok(orphan, 'the orphan is one of the two');
  assert.is(orphan?.metadata.ownerReferences?.[0].uid, rs.metadata.uid);
  // Relabel the adopted pod: it no longer matches, so it is released and replaced.
  await f.client.patch('pods', NS, 'orphan', { metadata: { labels: { app: 'debug' } } });
  await waitFor('released and replaced', async () => {
    const o = await f.client.get<Pod>('pods', NS, 'orphan');
    return !o.metadata.ownerReferences?.length && (await podsOf('api')).length === 2;
  });
});

test('availableReplicas waits minReadySeconds; terminating pods do not count', async () => {
  await f.client.create<ReplicaSet>('replicasets', NS, replicaSet('slow', 2, { minReadySeconds: 2 }));
  await waitFor('ready but not yet available', async () => {
    const s = (await f.client.get<ReplicaSet>('replicasets', NS, 'slow')).status;
    return s?.readyReplicas === 2 && s.availableReplicas === 0;
  });
  await waitFor(
    'available after minReadySeconds',
    async () => (await f.client.get<ReplicaSet>('replicasets', NS, 'slow')).status?.availableReplicas === 2,
    6000,
  );
});

test('invalid ReplicaSets are refused', async () => {
  const bad = replicaSet('bad', -1);
  bad.spec.template.metadata = { labels: { app: 'other' } };
  try {
    await f.client.create<ReplicaSet>('replicasets', NS, bad);
    assert.unreachable('should be refused');
  } catch (e) {
    const msg = (e as Error).message;
    assert.match(msg, /spec.replicas: Invalid value: -1: must be greater than or equal to 0/);
    assert.match(msg, /`selector` does not match template `labels`/);
  }
});

test('a deleted ReplicaSet releases its held pods, found by its UID', async () => {
  const rs = await f.client.create<ReplicaSet>('replicasets', NS, replicaSet('gone', 0));
  // Terminating and held for its replacement's images, kept by a finalizer (no agent here).
  await f.client.create<Pod>('pods', NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'gone-held',
      labels: { app: 'gone', tier: 'x' },
      finalizers: ['example.com/hold'],
      annotations: { [NEXT_IMAGES_ANNOTATION]: 'busybox:2' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'gone',
          uid: rs.metadata.uid ?? '',
          controller: true,
        },
      ],
    },
    spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
  });
  await f.client.delete('pods', NS, 'gone-held');
  const announced = async () =>
    (await f.client.get<Pod>('pods', NS, 'gone-held')).metadata.annotations?.[NEXT_IMAGES_ANNOTATION];
  const ctl = f.controllers.replicaSets;
  await waitFor('the controller is idle', () => ctl.idle());
  assert.is(await announced(), 'busybox:2', 'held while its ReplicaSet lives');
  await f.client.delete('replicasets', NS, 'gone');
  await waitFor('the held pod stops waiting', async () => (await announced()) === undefined);
  await waitFor('nothing remembered once released', () => ctl.idle() && ctl.gone.size() === 0);
  const p = await f.client.get<Pod>('pods', NS, 'gone-held');
  await f.client.update<Pod>('pods', NS, { ...p, metadata: { ...p.metadata, finalizers: [] } });
});

test.run();
