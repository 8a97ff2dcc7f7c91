// A Rollout of a Deployment (10 replicas) against the real API with the real ReplicaSet,
// Deployment and Rollout controllers; a stand-in kubelet marks pods Ready unless their image
// is "bad" (they stay Pending, so the board timeout fails them). Waves take replicas by count
// and percent: a bad template fails the 1-replica canary and everything goes back, with no
// more than one pod of the bad revision ever created; a good one passes the waves in order,
// never above spec.replicas live pods, and completes. Undo: `kubectl rollout undo deployment/web`
// (which refuses a paused Deployment: the rollout does not pause it) and `drover rollout undo
// web --to-revision N` put a revision's template back, which the rollout rolls out in its waves.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiWatch } from '../../../hub/api/client.js';
import { ApiError } from '../../../hub/api/errors.js';
import type { RolloutController } from '../../../hub/controllers/rollout/controller.js';
import { type Deployment, POD_TEMPLATE_HASH_LABEL, type ReplicaSet } from '../../../shared/api/apps.js';
import { revisionNumber } from '../../../shared/api/rollback.js';
import { ROLLOUT_MANAGED_ANNOTATION, type Rollout } from '../../../shared/api/rollout.js';
import type { Event, Pod } from '../../../shared/api/types.js';
import { type Fixture, startFixture } from './deployment-fixture.js';
import { startRolloutController } from './fixtures.js';
import { waitFor } from './wait.js';
import { setTemplateImage } from '../../helpers/workloads.js';
import { drover } from '../../helpers/procs.js';

const REPLICAS = 10;
let f: Fixture;
let ro: RolloutController;
let watch: ApiWatch;
/** Every pod event in order, as the API's watch sends it. */
const seen: { type: string; pod: Pod }[] = [];
const c = () => f.client;
const rev = (p: Pod) => p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL] ?? '';
const ready = (p: Pod) =>
  p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;
const get = () => c().get<Rollout>('rollouts', 'default', 'web');

test.before(async () => {
  f = await startFixture({ readyIf: (p) => p.spec.containers[0].image !== 'bad' });
  ro = await startRolloutController(c());
  watch = await c().watch<Pod>('pods', 'default', {}, (ev) => {
    if (ev.type !== 'BOOKMARK' && ev.type !== 'ERROR') seen.push({ type: ev.type, pod: ev.object as Pod });
  });
});

test.after(async () => {
  watch?.close();
  await ro?.stop();
  await f.stop();
});

const setImage = (image: string) => setTemplateImage(c(), 'deployments', 'default', 'web', image);

async function waitPhase(phase: string, notStable?: string, timeoutMs = 30_000): Promise<Rollout> {
  return waitFor(
    `rollout ${phase}`,
    async () => {
      const r = await get();
      const st = r.status;
      return st?.phase === phase && (notStable === undefined || st.stableRevision !== notStable)
        ? r
        : undefined;
    },
    timeoutMs,
    50,
  );
}

const live = async () =>
  (await c().list<Pod>('pods', 'default', { labelSelector: 'app=web' })).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );

/** Live pods after each event of seen[from..]: the most at any point. */
function mostLive(from: number): number {
  const alive = new Set<string>();
  for (const e of seen.slice(0, from)) track(alive, e);
  let most = alive.size;
  for (const e of seen.slice(from)) {
    track(alive, e);
    most = Math.max(most, alive.size);
  }
  return most;
}
function track(alive: Set<string>, e: { type: string; pod: Pod }): void {
  const name = e.pod.metadata.name ?? '';
  if (e.type === 'DELETED' || e.pod.metadata.deletionTimestamp) alive.delete(name);
  else alive.add(name);
}

test('the API takes a Deployment target and refuses selector waves for it', async () => {
  try {
    await c().create<Rollout>('rollouts', 'default', {
      apiVersion: 'drover.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'sel', namespace: 'default' },
      spec: {
        targetRef: { kind: 'Deployment', name: 'web' },
        waves: [{ selector: { matchLabels: { ring: 'canary' } } }],
      },
    });
    assert.unreachable('created');
  } catch (e) {
    assert.instance(e, ApiError);
    assert.is((e as ApiError).code, 422);
    assert.equal(
      (e as ApiError).causes.map((x) => x.field),
      ['spec.waves[0].selector'],
    );
  }
});

test('a Deployment under a Rollout: marked, not paused, Healthy at its first revision', async () => {
  await c().create<Deployment>('deployments', 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'web:1' }] },
      },
    },
  });
  await c().create<Rollout>('rollouts', 'default', {
    apiVersion: 'drover.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      targetRef: { kind: 'Deployment', name: 'web' },
      waves: [
        { name: 'canary', count: 1 },
        { name: 'half', percent: 50, maxInFlight: 2 },
        { name: 'rest', percent: 100 },
      ],
      gate: { soakSeconds: 0, boardTimeoutSeconds: 2 },
    },
  });
  await waitFor(
    `${REPLICAS} pods Ready`,
    async () => {
      const pods = await live();
      return pods.length === REPLICAS && pods.every(ready);
    },
    20_000,
    50,
  );
  const r = await waitPhase('Healthy');
  const d = await c().get<Deployment>('deployments', 'default', 'web');
  assert.not.ok(d.spec.paused, 'not paused: kubectl rollout undo keeps working');
  assert.is(d.metadata.annotations?.[ROLLOUT_MANAGED_ANNOTATION], 'web');
  assert.is(r.status?.stableRevision, rev((await live())[0]));
  assert.is(r.status?.boards, REPLICAS);
});

test('a bad template fails the 1-replica canary: back to the stable revision, one bad pod ever', async () => {
  const stable = (await get()).status?.stableRevision ?? '';
  const from = seen.length;
  await setImage('bad');
  const r = await waitPhase('RolledBack');
  const bad = r.status?.failedRevision;
  assert.ok(bad && bad !== stable);
  const badPods = new Set(
    seen
      .slice(from)
      .filter((e) => rev(e.pod) === bad)
      .map((e) => e.pod.metadata.name),
  );
  assert.is(badPods.size, 1, 'only the canary replica ever ran the bad revision');
  assert.equal(
    r.status?.waves?.map((w) => [w.name, w.boards, w.failed]),
    [
      ['canary', 1, 1],
      ['half', 5, 0],
      ['rest', 4, 0],
    ],
  );
  const d = await c().get<Deployment>('deployments', 'default', 'web');
  assert.is(d.spec.template.spec.containers[0].image, 'web:1', 'template back to the stable revision');
  await waitFor(
    'every replica back on the stable revision',
    async () => {
      const pods = await live();
      return pods.length === REPLICAS && pods.every((p) => rev(p) === stable && ready(p));
    },
    20_000,
    50,
  );
  assert.ok(mostLive(from) <= REPLICAS, `never above ${REPLICAS} live pods (no surge): ${mostLive(from)}`);
  const reasons = (await c().list<Event>('events', 'default')).items
    .filter((e) => e.involvedObject.kind === 'Rollout')
    .map((e) => e.reason);
  assert.ok(reasons.includes('GateFailed') && reasons.includes('RolledBack'), reasons.join(','));
});

test('a good template passes the waves in order and completes; the Deployment keeps it', async () => {
  const old = (await get()).status?.stableRevision ?? '';
  const from = seen.length;
  await setImage('web:2');
  const r = await waitPhase('Completed', old);
  const good = r.status?.stableRevision ?? '';
  assert.equal(
    r.status?.waves?.map((w) => [w.name, w.boards, w.healthy]),
    [
      ['canary', 1, 1],
      ['half', 5, 5],
      ['rest', 4, 4],
    ],
  );
  // The second pod of the new revision came only after the canary's was Ready.
  const events = seen.slice(from);
  const added = events.filter((e) => e.type === 'ADDED' && rev(e.pod) === good);
  const second = events.indexOf(added[1]);
  assert.ok(second > 0);
  assert.ok(
    events.slice(0, second).some((e) => e.pod.metadata.name === added[0].pod.metadata.name && ready(e.pod)),
    'the canary replica was Ready before the next wave began',
  );
  assert.ok(mostLive(from) <= REPLICAS, `never above ${REPLICAS} live pods: ${mostLive(from)}`);
  const pods = await live();
  assert.is(pods.length, REPLICAS);
  assert.ok(pods.every((p) => rev(p) === good));
  const d = await c().get<Deployment>('deployments', 'default', 'web');
  assert.is(d.spec.template.spec.containers[0].image, 'web:2');
});

/** The template's image and the revision number of each of web's ReplicaSets. */
async function history(): Promise<Map<string, number>> {
  const rss = (await c().list<ReplicaSet>('replicasets', 'default', { labelSelector: 'app=web' })).items;
  return new Map(rss.map((rs) => [rs.spec.template.spec.containers[0].image ?? '', revisionNumber(rs)]));
}

/** Waits for the rollout of `image` to complete in the three waves, never above the replicas. */
async function rolledOutInWaves(image: string, from: number): Promise<void> {
  const r = await waitFor(
    `rollout Completed on ${image}`,
    async () => {
      const x = await get();
      const pods = await live();
      return x.status?.phase === 'Completed' &&
        pods.length === REPLICAS &&
        pods.every(
          (p) => p.spec.containers[0].image === image && rev(p) === x.status?.stableRevision && ready(p),
        )
        ? x
        : undefined;
    },
    30_000,
    50,
  );
  assert.equal(
    r.status?.waves?.map((w) => [w.name, w.boards, w.healthy]),
    [
      ['canary', 1, 1],
      ['half', 5, 5],
      ['rest', 4, 4],
    ],
  );
  assert.ok(mostLive(from) <= REPLICAS, `never above ${REPLICAS} live pods: ${mostLive(from)}`);
  // The waves in order: the first new pod was Ready before a second one was created.
  const added = seen
    .slice(from)
    .filter((e) => e.type === 'ADDED' && e.pod.spec.containers[0].image === image);
  const second = seen.indexOf(added[1]);
  assert.ok(
    seen.slice(from, second).some((e) => e.pod.metadata.name === added[0].pod.metadata.name && ready(e.pod)),
    'the canary replica was Ready before the next wave began',
  );
}

test('kubectl rollout undo deployment/web under the Rollout: the previous template, rolled out in waves', async () => {
  const before = await history();
  const from = seen.length;
  const r = await f.kubectl('rollout', 'undo', 'deployment/web');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /rolled back/);
  const d = await c().get<Deployment>('deployments', 'default', 'web');
  assert.is(d.spec.template.spec.containers[0].image, 'web:1', 'the previous template (web:1) is back');
  await rolledOutInWaves('web:1', from);
  const after = await history();
  assert.ok(
    (after.get('web:1') ?? 0) > (before.get('web:2') ?? 0),
    'the revision gone back to is the newest',
  );
});

test('drover rollout undo web --to-revision N: that revision back, rolled out in waves; a missing one refused', async () => {
  const n = (await history()).get('web:2');
  assert.ok(n, 'web:2 has a revision');
  const from = seen.length;
  const r = await drover([
    'rollout',
    'undo',
    'web',
    '--to-revision',
    String(n),
    '--kubeconfig',
    f.kubeconfig,
  ]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`rollout web: deployment/web back to revision ${n}`));
  await rolledOutInWaves('web:2', from);
  const missing = await drover([
    'rollout',
    'undo',
    'web',
    '--to-revision',
    '99',
    '--kubeconfig',
    f.kubeconfig,
  ]);
  assert.is.not(missing.code, 0);
  assert.match(missing.stderr, /revision 99 not found/);
  const d = await c().get<Deployment>('deployments', 'default', 'web');
  assert.is(d.spec.template.spec.containers[0].image, 'web:2', 'a refused undo changes nothing');
});

test.run();
