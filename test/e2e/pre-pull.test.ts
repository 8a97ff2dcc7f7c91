// Pre-pull and failed pulls on two real agents (real hub process, the real Docker engine, the
// local registry, kubectl), #18:
// - drover.io/pre-pull on a DaemonSet: every board pulls the image from the registry while
//   its pod keeps running (same container, no restart), and status.prePull counts them; a
//   tag the registry does not have is counted as failed on both, the pods still running.
// - a Rollout whose new template names a tag the registry does not have: the canary board
//   keeps its old pod (pull before stop), tells the hub it cannot pull, and the gate fails
//   the wave at once (the board timeout is 300 s; the wait is far shorter), then rolls back;
//   the other board never leaves the stable revision.
// - a Deployment pinned to one board (maxSurge 0): its image change is pulled while the old
//   pod keeps serving (the pull held at a stalling registry in front of the local one), and
//   the new pod runs only after; the old container is the one running until the release.
//   Then a tag the registry lacks: the pod is held, says it cannot pull, and goes when its
//   Deployment is deleted (no replacement will come).
// A tag of our own is pushed to the registry (a real pull, no other file touches it).

import type { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DaemonSet } from '../../shared/api/apps.js';
import { NEXT_IMAGES_ANNOTATION, NEXT_IMAGES_CONDITION } from '../../shared/api/next-images.js';
import type { Rollout } from '../../shared/api/rollout.js';
import type { Pod } from '../../shared/api/types.js';
import { getJson } from '../helpers/api.js';
import { StallingRegistry } from '../helpers/stalling-registry.js';
import { waitFor } from '../helpers/wait.js';
import { docker, IMAGE, running } from './pods-harness.js';
import { active, deploymentYaml, WorkloadCluster } from './workloads-harness.js';

const c = new WorkloadCluster([{ name: 'pp-a' }, { name: 'pp-b' }]);
const SEL = 'app=ppd';
const REPO = '127.0.0.1:5000/drover-test/prepull';
const TAG = `t${process.pid}-${Date.now()}`;
const AHEAD = `${REPO}:${TAG}`;
const MISSING = `${REPO}:missing-${TAG}`;

async function drain(stream: Readable): Promise<void> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  const err = text.split('\n').find((l) => l.includes('"error"'));
  if (err) throw new Error(err);
}

test.before(async () => {
  // Our own tag on the registry, then no local copy: the boards must pull it.
  await docker.getImage(IMAGE).tag({ repo: REPO, tag: TAG });
  await drain((await docker.getImage(AHEAD).push({ authconfig: {} })) as Readable);
  await docker.getImage(AHEAD).remove();
  await c.start();
});
test.after(async () => {
  await c.stop();
  await docker
    .getImage(AHEAD)
    .remove()
    .catch(() => {});
});

const ds = (image: string) => `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ppd
spec:
  selector:
    matchLabels:
      app: ppd
  template:
    metadata:
      labels:
        app: ppd
    spec:
      hostNetwork: true
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: ${image}
        imagePullPolicy: IfNotPresent
        command: ["sleep", "3600"]
`;

const daemonSet = () => getJson<DaemonSet>(c.hub.apiUrl, '/apis/apps/v1/namespaces/default/daemonsets/ppd');
const runningPods = async () => (await c.pods(SEL)).filter((p) => active(p) && running(p));
const containerIds = (pods: Pod[]) =>
  Object.fromEntries(pods.map((p) => [p.spec.nodeName, p.status?.containerStatuses?.[0]?.containerID]));

async function prePullCounts(images: string, want: { pulled: number; failed: number }) {
  return waitFor(
    async () => {
      const s = (await daemonSet()).status?.prePull;
      return s?.images === images && s.boards === 2 && s.pulled === want.pulled && s.failed === want.failed
        ? s
        : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: `status.prePull ${JSON.stringify(want)} for ${images}` },
  ).catch(async (e: Error) => {
    throw new Error(`${e.message}\n${JSON.stringify((await daemonSet()).status)}\n${c.tails()}`);
  });
}

test('pre-pull: both boards fetch the image while their pods keep running; a missing tag counts as failed', async () => {
  const applied = await c.apply(ds(IMAGE));
  assert.is(applied.code, 0, applied.stderr);
  const before = await waitFor(
    async () => {
      const pods = await runningPods();
      return pods.length === 2 && pods.every((p) => p.status?.containerStatuses?.[0]?.containerID)
        ? pods
        : undefined;
    },
    { timeoutMs: 60_000, what: 'a Running pod on each board' },
  );
  const ids = containerIds(before);

  const t0 = Date.now();
  const ask = await c.k(['annotate', 'ds', 'ppd', `drover.io/pre-pull=${AHEAD}`]);
  assert.is(ask.code, 0, ask.stderr);
  await prePullCounts(AHEAD, { pulled: 2, failed: 0 });
  console.log(`  pre-pull: 2/2 boards counted ${Date.now() - t0} ms after the annotation`);
  assert.ok(await docker.getImage(AHEAD).inspect(), 'the image is on the engine');
  const after = await runningPods();
  assert.equal(containerIds(after), ids, 'the same containers still run');
  for (const p of after) {
    assert.is(p.status?.containerStatuses?.[0]?.restartCount, 0);
    const cond = p.status?.conditions?.find((x) => x.type === NEXT_IMAGES_CONDITION);
    assert.equal([cond?.status, cond?.message], ['True', AHEAD]);
  }
  const events = await c.k(['get', 'events', '-o', 'json']);
  assert.match(events.stdout, `ahead of a planned switch`);

  const bad = await c.k(['annotate', 'ds', 'ppd', `drover.io/pre-pull=${MISSING}`, '--overwrite']);
  assert.is(bad.code, 0, bad.stderr);
  await prePullCounts(MISSING, { pulled: 0, failed: 2 });
  const still = await runningPods();
  assert.equal(containerIds(still), ids, 'a failed pre-pull stops nothing');
  for (const p of still) {
    const cond = p.status?.conditions?.find((x) => x.type === NEXT_IMAGES_CONDITION);
    assert.is(cond?.status, 'False');
    assert.ok(cond?.message?.startsWith(`${MISSING}: `), cond?.message);
    assert.match(cond?.message ?? '', /not found|unknown/i);
  }
  const off = await c.k(['annotate', 'ds', 'ppd', 'drover.io/pre-pull-']);
  assert.is(off.code, 0, off.stderr);
  await waitFor(async () => (await daemonSet()).status?.prePull === undefined, {
    what: 'status.prePull gone with the annotation',
  });
  // The request is taken back from the pods, and the boards' answers with it.
  await waitFor(
    async () =>
      (await runningPods()).every(
        (p) =>
          !p.metadata.annotations?.[NEXT_IMAGES_ANNOTATION] &&
          !p.status?.conditions?.some((x) => x.type === NEXT_IMAGES_CONDITION),
      ),
    { what: 'the pods no longer asked to pull ahead' },
  );
});

const ROLLOUT = `apiVersion: drover.io/v1alpha1
kind: Rollout
metadata:
  name: ppd
spec:
  targetRef: {kind: DaemonSet, name: ppd}
  waves:
  - name: canary
    selector: {matchLabels: {ring: canary}}
  - name: rest
  gate: {soakSeconds: 1, boardTimeoutSeconds: 300}
`;

const rollout = () =>
  getJson<Rollout>(c.hub.apiUrl, '/apis/drover.io/v1alpha1/namespaces/default/rollouts/ppd');
const rev = (p: Pod) => p.metadata.labels?.['controller-revision-hash'] ?? '';

async function waitPhase(phase: string) {
  return waitFor(
    async () => {
      const ro = await rollout();
      return ro.status?.phase === phase ? ro : undefined;
    },
    // Far below the board timeout (300 s): only the reported pull failure can fail the gate.
    { timeoutMs: 90_000, intervalMs: 200, what: `rollout ${phase}` },
  ).catch(async (e: Error) => {
    const events = (await c.k(['get', 'events', '--sort-by=.lastTimestamp'])).stdout;
    throw new Error(`${e.message}\n${JSON.stringify((await rollout()).status)}\n${events}\n${c.tails()}`);
  });
}

test('a Deployment replaced on the same board: the old pod serves until the new image is pulled', async () => {
  const reg = await StallingRegistry.start();
  const next = reg.image('drover-test/busybox:1');
  try {
    const yaml = (image: string) =>
      deploymentYaml({
        name: 'ppdep',
        replicas: 1,
        image,
        command: 'exec sleep 3600',
        spec: '  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}\n',
        podSpec: '      nodeSelector: {kubernetes.io/hostname: pp-b}\n',
      });
    assert.is((await c.apply(yaml(IMAGE))).code, 0);
    const old = await waitFor(
      async () => {
        const pods = (await c.pods('app=ppdep')).filter((p) => active(p) && running(p));
        return pods.length === 1 && pods[0].status?.containerStatuses?.[0]?.containerID ? pods[0] : undefined;
      },
      { timeoutMs: 60_000, what: 'the first pod Running' },
    );
    const oldId = (old.status?.containerStatuses?.[0]?.containerID ?? '').replace(/^docker:\/\//, '');
    reg.mode = 'hold';
    assert.is((await c.apply(yaml(next))).code, 0);
    await waitFor(() => reg.manifestRequests > 0, {
      timeoutMs: 30_000,
      what: 'the pull reaches the registry',
    });
    // Held: the old pod is being replaced and its board says it is pulling; its container still
    // runs, no new one runs.
    const leaving = await waitFor(
      async () =>
        (await c.pods('app=ppdep')).find(
          (p) =>
            p.metadata.uid === old.metadata.uid &&
            p.status?.conditions?.some((x) => x.type === NEXT_IMAGES_CONDITION && x.reason === 'Pulling'),
        ),
      { timeoutMs: 30_000, what: "the old pod's board pulling before it stops" },
    );
    assert.ok(leaving.metadata.deletionTimestamp, 'the old pod is being deleted');
    assert.is(leaving.metadata.annotations?.[NEXT_IMAGES_ANNOTATION], next);
    assert.is((await docker.getContainer(oldId).inspect()).State.Running, true);
    const others = (await c.pods('app=ppdep')).filter((p) => p.metadata.uid !== old.metadata.uid);
    assert.is(others.filter(running).length, 0);
    reg.release();
    const now = await waitFor(
      async () => {
        const pods = (await c.pods('app=ppdep')).filter((p) => active(p) && running(p));
        return pods.length === 1 && pods[0].metadata.uid !== old.metadata.uid ? pods[0] : undefined;
      },
      { timeoutMs: 60_000, what: 'the new pod Running' },
    );
    assert.is(now.spec.nodeName, 'pp-b');
    assert.is(now.spec.containers[0].image, next);

    // A tag the registry lacks: the running pod is held (its board says it cannot pull) ...
    assert.is((await c.apply(yaml(MISSING))).code, 0);
    await waitFor(
      async () =>
        (await c.pods('app=ppdep')).find(
          (p) =>
            p.metadata.uid === now.metadata.uid &&
            running(p) &&
            p.status?.conditions?.some((x) => x.type === NEXT_IMAGES_CONDITION && x.reason !== 'Pulling'),
        ),
      { timeoutMs: 30_000, what: 'the held pod saying it cannot pull' },
    );
    // ... until its Deployment is deleted: no replacement will come, so it stops waiting.
    const del = await c.k(['delete', 'deployment', 'ppdep']);
    assert.is(del.code, 0, del.stderr);
    await waitFor(async () => (await c.pods('app=ppdep')).length === 0, {
      timeoutMs: 30_000,
      what: 'the held pod gone with its Deployment',
    });
  } finally {
    reg.release();
    await c.k(['delete', 'deployment', 'ppdep', '--wait=false']);
    await reg.stop();
    await docker
      .getImage(next)
      .remove({ force: true })
      .catch(() => {});
  }
});

test('a Rollout to a tag the registry lacks: the canary keeps serving, says it cannot pull, the gate rolls back', async () => {
  const label = await c.k(['label', 'node', 'pp-a', 'ring=canary']);
  assert.is(label.code, 0, label.stderr);
  const applied = await c.apply(ROLLOUT);
  assert.is(applied.code, 0, applied.stderr);
  const healthy = await waitPhase('Healthy');
  const stable = healthy.status?.stableRevision ?? '';
  const before = containerIds(await runningPods());

  const seen = new Set<string>();
  const t0 = Date.now();
  const bad = await c.apply(ds(MISSING));
  assert.is(bad.code, 0, bad.stderr);
  const failing = await waitFor(
    async () => {
      for (const p of await c.pods(SEL)) if (rev(p) !== stable) seen.add(p.spec.nodeName ?? '');
      const ro = await rollout();
      return ['RollingBack', 'RolledBack'].includes(ro.status?.phase ?? '') ? ro : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 200, what: 'the gate failing' },
  );
  console.log(`  rollout: gate failed ${Date.now() - t0} ms after the change (board timeout 300 s)`);
  assert.is(failing.status?.waves?.[0]?.failed, 1);
  // "cannot pull" comes only from the answer of a board still running the pod being replaced
  // (hub/controllers/rollout/health.ts): the canary kept serving until the gate decided.
  const events = await c.k(['get', 'events', '-o', 'json']);
  assert.match(events.stdout, /pp-a: cannot pull/);
  assert.match(events.stdout, MISSING);
  await waitPhase('RolledBack');
  await waitFor(
    async () => {
      const pods = await runningPods();
      return pods.length === 2 && pods.every((p) => rev(p) === stable);
    },
    { timeoutMs: 60_000, what: 'both boards back on the stable revision' },
  );
  assert.equal([...seen], [], 'no board ran a pod of the bad revision');
  assert.is(containerIds(await runningPods())['pp-b'], before['pp-b'], 'the second board was never touched');
});

test.run();
