// Deployment controller on the real API (SQLite in a temp dir) with the ReplicaSet controller.
// Pods are made Ready by the FakeKubelet fixture (a stand-in for agents; see its comment).
// Rolling bounds are checked from a pod watch during the rollout, not after it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiWatch } from '../../../hub/api/client.js';
import type { Deployment, IntOrString, ReplicaSet } from '../../../shared/api/apps.js';
import type { Pod } from '../../../shared/api/types.js';
import { holdsFor } from '../../helpers/wait.js';
import { type Fixture, startFixture } from './deployment-fixture.js';
import { waitFor } from './wait.js';

let f: Fixture;
test.before(async () => {
  // 'bad' images never become ready: the stalled-rollout case.
  f = await startFixture({
    delayMs: 30,
    readyIf: (p) => !p.spec.containers.some((c) => c.image?.startsWith('bad')),
  });
});
test.after(async () => f.stop());

const NS = 'default';

function deployment(
  name: string,
  replicas: number,
  image: string,
  spec: Partial<Deployment['spec']> = {},
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image }] } },
      ...spec,
    },
  };
}

const get = (name: string) => f.client.get<Deployment>('deployments', NS, name);
const rsOf = async (name: string) =>
  (await f.client.list<ReplicaSet>('replicasets', NS, { labelSelector: `app=${name}` })).items;

function complete(d: Deployment): boolean {
  const s = d.status ?? {};
  const r = d.spec.replicas ?? 1;
  return (
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 1) &&
    s.updatedReplicas === r &&
    s.replicas === r &&
    s.availableReplicas === r &&
    s.conditions?.find((c) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable'
  );
}

async function waitComplete(name: string, timeoutMs = 15_000): Promise<Deployment> {
  return waitFor(
    `deployment ${name} complete`,
    async () => {
      const d = await get(name);
      return complete(d) ? d : undefined;
    },
    timeoutMs,
  );
}

/** Watches the deployment's pods; records the most non-terminating and fewest ready pods seen. */
async function podMonitor(app: string) {
  const pods = new Map<string, Pod>();
  const seen = { maxTotal: 0, minReady: Number.POSITIVE_INFINITY, bothTemplates: false };
  let armed = false;
  const measure = () => {
    const live = [...pods.values()].filter((p) => !p.metadata.deletionTimestamp);
    const ready = live.filter((p) =>
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    const hashes = new Set(live.map((p) => p.metadata.labels?.['pod-template-hash']));
    if (!armed) return;
    seen.maxTotal = Math.max(seen.maxTotal, live.length);
    seen.minReady = Math.min(seen.minReady, ready.length);
    if (hashes.size > 1) seen.bothTemplates = true;
  };
  const w: ApiWatch = await f.client.watch<Pod>(
    'pods',
    NS,
    { labelSelector: `app=${app}`, sendInitialEvents: true },
    (ev) => {
      const k = ev.object.metadata.name ?? '';
      if (ev.type === 'DELETED') pods.delete(k);
      else pods.set(k, ev.object);
      measure();
    },
  );
  return {
    seen,
    arm() {
      armed = true;
      measure();
    },
    count: () => [...pods.values()].filter((p) => !p.metadata.deletionTimestamp).length,
    close: () => w.close(),
  };
}

const rolling: {
  replicas: number;
  surge: IntOrString;
  unavailable: IntOrString;
  maxTotal: number;
  minReady: number;
}[] = [
  { replicas: 6, surge: 2, unavailable: 1, maxTotal: 8, minReady: 5 },
  { replicas: 4, surge: 0, unavailable: 1, maxTotal: 4, minReady: 3 },
  { replicas: 5, surge: '25%', unavailable: '25%', maxTotal: 7, minReady: 4 },
  { replicas: 3, surge: 1, unavailable: 0, maxTotal: 4, minReady: 3 },
];

for (const [i, c] of rolling.entries()) {
  test(`rolling update ${c.replicas} replicas, surge ${c.surge}, unavailable ${c.unavailable}: bounds hold during the rollout`, async () => {
    const name = `roll${i}`;
    await f.client.create(
      'deployments',
      NS,
      deployment(name, c.replicas, 'nginx:1', {
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: c.surge, maxUnavailable: c.unavailable },
        },
      }),
    );
    const first = await waitComplete(name);
    assert.is(first.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    const mon = await podMonitor(name);
    await waitFor('monitor saw all pods', () => mon.count() === c.replicas);
    mon.arm();
    await f.client.patch(
      'deployments',
      NS,
      name,
      { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } },
      'strategic',
    );
    const d = await waitComplete(name);
    mon.close();
    assert.ok(mon.seen.maxTotal <= c.maxTotal, `at most ${c.maxTotal} pods, saw ${mon.seen.maxTotal}`);
    assert.ok(mon.seen.minReady >= c.minReady, `at least ${c.minReady} ready, saw ${mon.seen.minReady}`);
    assert.ok(mon.seen.bothTemplates, 'old and new pods overlapped (it was a rolling update)');
    assert.is(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    const rss = await rsOf(name);
    assert.is(rss.length, 2);
    const newRS = rss.find((r) => r.spec.template.spec.containers[0].image === 'nginx:2');
    const oldRS = rss.find((r) => r.spec.template.spec.containers[0].image === 'nginx:1');
    assert.is(newRS?.spec.replicas, c.replicas);
    assert.is(oldRS?.spec.replicas, 0);
    assert.is(newRS?.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.is(newRS?.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], String(c.replicas));
    assert.is(newRS?.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], String(c.maxTotal));
    const hash = newRS?.metadata.labels?.['pod-template-hash'] ?? '';
    assert.is(newRS?.metadata.name, `${name}-${hash}`);
    assert.is(newRS?.spec.selector.matchLabels?.['pod-template-hash'], hash);
    const pods = (await f.client.list<Pod>('pods', NS, { labelSelector: `app=${name}` })).items;
    assert.is(pods.length, c.replicas);
    assert.ok(pods.every((p) => p.metadata.labels?.['pod-template-hash'] === hash));
    assert.is(d.status?.conditions?.find((x) => x.type === 'Available')?.reason, 'MinimumReplicasAvailable');
  });
}

test('Recreate: old pods are gone before any new pod exists', async () => {
  await f.client.create(
    'deployments',
    NS,
    deployment('rec', 3, 'nginx:1', { strategy: { type: 'Recreate' } }),
  );
  await waitComplete('rec');
  const mon = await podMonitor('rec');
  mon.arm();
  await f.client.patch(
    'deployments',
    NS,
    'rec',
    { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } },
    'strategic',
  );
  await waitComplete('rec');
  mon.close();
  assert.not.ok(mon.seen.bothTemplates, 'never old and new pods at once');
  assert.ok(mon.seen.maxTotal <= 3);
});

test('paused: no rollout, scaling still applies; resume rolls out', async () => {
  await f.client.create('deployments', NS, deployment('pz', 2, 'nginx:1'));
  await waitComplete('pz');
  await f.client.patch('deployments', NS, 'pz', { spec: { paused: true } }, 'strategic');
  await waitFor('paused condition', async () =>
    (await get('pz')).status?.conditions?.some((c) => c.reason === 'DeploymentPaused'),
  );
  await f.client.patch(
    'deployments',
    NS,
    'pz',
    { spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } },
    'strategic',
  );
  await waitFor('scaled while paused', async () => (await rsOf('pz'))[0]?.spec.replicas === 3);
  await holdsFor(async () => (await rsOf('pz')).length === 1, {
    durationMs: 400,
    what: 'no new ReplicaSet while paused',
  });
  await f.client.patch('deployments', NS, 'pz', { spec: { paused: false } }, 'strategic');
  const d = await waitComplete('pz');
  assert.is(d.spec.template.spec.containers[0].image, 'nginx:2');
  assert.is((await rsOf('pz')).length, 2);
});

test('stalled rollout: Progressing=False ProgressDeadlineExceeded; kubectl rollout status fails', async () => {
  await f.client.create('deployments', NS, deployment('stall', 2, 'nginx:1', { progressDeadlineSeconds: 2 }));
  await waitComplete('stall');
  await f.client.patch(
    'deployments',
    NS,
    'stall',
    { spec: { template: { spec: { containers: [{ name: 'c', image: 'bad:1' }] } } } },
    'strategic',
  );
  const d = await waitFor(
    'deadline exceeded',
    async () => {
      const x = await get('stall');
      const p = x.status?.conditions?.find((c) => c.type === 'Progressing');
      return p?.status === 'False' && p.reason === 'ProgressDeadlineExceeded' ? x : undefined;
    },
    10_000,
  );
  assert.match(
    d.status?.conditions?.find((c) => c.type === 'Progressing')?.message ?? '',
    /has timed out progressing/,
  );
  assert.ok((d.status?.availableReplicas ?? 0) >= 1, 'maxUnavailable keeps old pods serving');
  const r = await f.kubectl('rollout', 'status', 'deployment/stall', '--timeout=20s');
  assert.is.not(r.code, 0);
  assert.match(r.err, /exceeded its progress deadline/);
});

test('revisionHistoryLimit: old empty ReplicaSets beyond the limit are deleted', async () => {
  await f.client.create('deployments', NS, deployment('hist', 1, 'nginx:1', { revisionHistoryLimit: 1 }));
  await waitComplete('hist');
  for (const img of ['nginx:2', 'nginx:3']) {
    await f.client.patch(
      'deployments',
      NS,
      'hist',
      { spec: { template: { spec: { containers: [{ name: 'c', image: img }] } } } },
      'strategic',
    );
    await waitComplete('hist');
  }
  const rss = await waitFor('history trimmed', async () => {
    const l = await rsOf('hist');
    return l.length === 2 ? l : undefined;
  });
  assert.equal(rss.map((r) => r.spec.template.spec.containers[0].image).sort(), ['nginx:2', 'nginx:3']);
});

test('generation bumps on spec change only; observedGeneration follows', async () => {
  const d0 = await get('roll0');
  await f.client.patch('deployments', NS, 'roll0', { metadata: { labels: { x: 'y' } } }, 'merge');
  assert.is((await get('roll0')).metadata.generation, d0.metadata.generation);
  await f.client.patch('deployments', NS, 'roll0', { spec: { replicas: 2 } }, 'merge');
  const d1 = await get('roll0');
  assert.is(d1.metadata.generation, (d0.metadata.generation ?? 0) + 1);
  await waitComplete('roll0');
});

test.run();
