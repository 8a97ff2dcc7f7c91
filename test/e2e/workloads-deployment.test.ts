// Deployments end to end (real hub, three real agents on the real Docker engine, the real
// kubectl): 6 replicas spread over the nodes; `set image` rolls within maxSurge/maxUnavailable
// (checked from a pod watch while it runs); `rollout undo` restores the previous template (API
// and Docker); a stalled rollout reports ProgressDeadlineExceeded and `rollout status` fails;
// `delete deployment` removes its replicasets, pods and containers.

import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REVISION_ANNOTATION } from '../../shared/api/apps.js';
import { DIST } from '../helpers/procs.js';
import { holdsFor, waitFor } from '../helpers/wait.js';
import { IMAGE, REGISTRY_IMAGE, ready } from './pods-harness.js';
import { active, deploymentYaml, PodWatch, WorkloadCluster } from './workloads-harness.js';

const NODES = ['wd-a', 'wd-b', 'wd-c'];
const c = new WorkloadCluster(NODES.map((name) => ({ name })));
const REPLICAS = 6;
// Kubernetes' defaults 25%/25% of 6: surge rounds up (2), unavailable rounds down (1).
const MAX_SURGE = 2;
const MAX_UNAVAILABLE = 1;
const SEL = 'app=web';

test.before(() => c.start());
test.after(() => c.stop());

/** The live pods' images, and the running containers' images in Docker. */
async function images(): Promise<{ api: string[]; docker: string[] }> {
  const pods = (await c.pods(SEL)).filter(active);
  const ctrs = await c.containersOfWorkload('web-', { running: true });
  return {
    api: pods.map((p) => p.spec.containers[0].image ?? '').sort(),
    docker: ctrs.map((x) => x.Image).sort(),
  };
}

async function settled(image: string): Promise<boolean> {
  const pods = (await c.pods(SEL)).filter(active);
  const im = await images();
  return (
    pods.length === REPLICAS &&
    pods.every(ready) &&
    im.api.every((i) => i === image) &&
    im.docker.length === REPLICAS &&
    im.docker.every((i) => i === image)
  );
}

test('kubectl apply: 6 replicas spread over the 3 nodes, all Running and Ready, 6 containers', async () => {
  const t0 = Date.now();
  const r = await c.apply(
    deploymentYaml({ name: 'web', replicas: REPLICAS, command: 'exec httpd -f -p 8080 -h /www' }),
  );
  assert.is(r.code, 0, r.stderr);
  const st = await c.k(['rollout', 'status', 'deployment/web', '--timeout=60s'], 70_000);
  assert.is(st.code, 0, `${st.stdout}${st.stderr}\n${c.tails()}`);
  assert.match(st.stdout, /successfully rolled out/);
  console.log(`  apply -> rollout status done in ${Date.now() - t0} ms`);
  await waitFor(() => settled(IMAGE), {
    timeoutMs: 20_000,
    what: '6 ready pods and 6 containers of the image',
  });
  const pods = (await c.pods(SEL)).filter(active);
  const perNode = new Map<string, number>();
  for (const p of pods) perNode.set(p.spec.nodeName ?? '', (perNode.get(p.spec.nodeName ?? '') ?? 0) + 1);
  for (const n of NODES)
    assert.ok((perNode.get(n) ?? 0) >= 1, `node ${n} got no pod: ${JSON.stringify([...perNode])}`);
  const ctrs = await c.containersOfWorkload('web-', { running: true });
  assert.equal(
    [...new Set(ctrs.map((x) => x.Labels['io.drover.node']))].sort(),
    NODES,
    'every node runs a container of the deployment',
  );
  const d = await c.deployment('web');
  assert.is(d.status?.readyReplicas, REPLICAS);
  assert.is(d.status?.updatedReplicas, REPLICAS);
});

test('kubectl set image rolls within maxSurge and maxUnavailable (pod watch during the rollout)', async () => {
  const before = new Set((await c.pods(SEL)).map((p) => p.metadata.uid));
  const w = await PodWatch.start(c.hub.apiUrl, SEL);
  const t0 = Date.now();
  try {
    const r = await c.k(['set', 'image', 'deployment/web', `main=${REGISTRY_IMAGE}`]);
    assert.is(r.code, 0, r.stderr);
    const st = await c.k(['rollout', 'status', 'deployment/web', '--timeout=90s'], 100_000);
    assert.is(st.code, 0, `${st.stdout}${st.stderr}\n${c.tails()}`);
    console.log(`  set image -> rollout status done in ${Date.now() - t0} ms`);
    await waitFor(() => settled(REGISTRY_IMAGE), { timeoutMs: 20_000, what: 'new image everywhere' });
  } finally {
    await w.stop();
  }
  assert.not.ok(w.error, String(w.error));
  const maxTotal = Math.max(...w.samples.map((s) => s.total));
  const minReady = Math.min(...w.samples.map((s) => s.ready));
  console.log(`  ${w.samples.length} watch samples: max active ${maxTotal}, min ready ${minReady}`);
  const bad = w.samples.filter((s) => s.total > REPLICAS + MAX_SURGE || s.ready < REPLICAS - MAX_UNAVAILABLE);
  assert.equal(bad, [], `samples outside the bounds: ${JSON.stringify(bad.slice(0, 5))}`);
  // The rollout did happen while watched: the surge was used and every pod was replaced.
  assert.ok(maxTotal > REPLICAS, `no surge seen (max ${maxTotal})`);
  const after = (await c.pods(SEL)).filter(active);
  assert.ok(
    after.every((p) => !before.has(p.metadata.uid)),
    'every pod was replaced',
  );
  const d = await c.deployment('web');
  assert.is(d.metadata.annotations?.[REVISION_ANNOTATION], '2');
});

test('kubectl rollout undo restores the previous template (live ReplicaSet and Docker images)', async () => {
  const r = await c.k(['rollout', 'undo', 'deployment/web']);
  assert.is(r.code, 0, r.stderr);
  const st = await c.k(['rollout', 'status', 'deployment/web', '--timeout=90s'], 100_000);
  assert.is(st.code, 0, `${st.stdout}${st.stderr}`);
  await waitFor(() => settled(IMAGE), { timeoutMs: 20_000, what: 'old image everywhere' });
  const live = (await c.replicaSets(SEL)).filter((rs) => (rs.spec.replicas ?? 0) > 0);
  assert.is(live.length, 1, JSON.stringify(live.map((rs) => [rs.metadata.name, rs.spec.replicas])));
  assert.is(live[0].spec.template.spec.containers[0].image, IMAGE);
  assert.equal(live[0].spec.template.spec.containers[0].command, [
    'sh',
    '-c',
    'exec httpd -f -p 8080 -h /www',
  ]);
  // Undo reuses the first ReplicaSet (same template hash) under a new revision.
  assert.is(live[0].metadata.annotations?.[REVISION_ANNOTATION], '3');
  const hist = await c.k(['rollout', 'history', 'deployment/web']);
  assert.is(hist.code, 0, hist.stderr);
  assert.match(hist.stdout, /\n2 .*\n3 /s);
});

test('a stalled rollout (missing image) reports ProgressDeadlineExceeded; rollout status exits non-zero', async () => {
  const p = await c.k([
    'patch',
    'deployment/web',
    '--type',
    'merge',
    '-p',
    '{"spec":{"progressDeadlineSeconds":2}}',
  ]);
  assert.is(p.code, 0, p.stderr);
  const t0 = Date.now();
  const r = await c.k(['set', 'image', 'deployment/web', 'main=127.0.0.1:5000/drover-test/missing:1']);
  assert.is(r.code, 0, r.stderr);
  const st = await c.k(['rollout', 'status', 'deployment/web', '--timeout=60s'], 70_000);
  console.log(`  stalled rollout: rollout status exited ${st.code} after ${Date.now() - t0} ms`);
  assert.is.not(st.code, 0, st.stdout);
  assert.match(st.stderr, /exceeded its progress deadline/);
  const d = await c.deployment('web');
  const prog = d.status?.conditions?.find((x) => x.type === 'Progressing');
  assert.is(prog?.status, 'False');
  assert.is(prog?.reason, 'ProgressDeadlineExceeded');
  // The stalled rollout never takes the old pods below replicas - maxUnavailable.
  await holdsFor(
    async () =>
      (await c.pods(SEL)).filter((x) => active(x) && ready(x) && x.spec.containers[0].image === IMAGE)
        .length >=
      REPLICAS - MAX_UNAVAILABLE,
    { durationMs: 1500, what: 'old pods stay available' },
  );
  const failing = (await c.pods(SEL)).filter((x) => (x.spec.containers[0].image ?? '').includes('missing'));
  assert.ok(
    failing.length >= 1 && failing.length <= MAX_SURGE + MAX_UNAVAILABLE,
    `${failing.length} new pods`,
  );
  // The deadline (2 s) may pass before an agent has tried the pull: wait for the reason.
  const waiting = await waitFor(
    async () => {
      const r = (await c.pod(failing[0].metadata.name ?? '')).status?.containerStatuses?.[0]?.state?.waiting
        ?.reason;
      return r && /ErrImagePull|ImagePullBackOff/.test(r) ? r : undefined;
    },
    { timeoutMs: 20_000, what: `${failing[0].metadata.name} waits on ErrImagePull or ImagePullBackOff` },
  );
  assert.match(waiting, /ErrImagePull|ImagePullBackOff/);
});

test('kubectl delete deployment removes its replicasets, pods and the containers on the agents', async () => {
  assert.ok((await c.replicaSets(SEL)).length >= 2);
  const r = await c.k(['delete', 'deployment', 'web'], 30_000);
  assert.is(r.code, 0, r.stderr);
  const t0 = Date.now();
  await waitFor(async () => (await c.replicaSets(SEL)).length === 0, {
    timeoutMs: 20_000,
    what: 'replicasets gone',
  });
  await waitFor(async () => (await c.pods(SEL)).length === 0, { timeoutMs: 20_000, what: 'pods gone' });
  await waitFor(async () => (await c.containersOfWorkload('web-')).length === 0, {
    timeoutMs: 20_000,
    what: 'containers gone from Docker',
  });
  console.log(`  delete -> replicasets, pods and containers gone in ${Date.now() - t0} ms`);
  const g = await c.k(['get', 'deploy,rs,pods', '-l', SEL]);
  assert.is(g.code, 0, g.stderr);
  assert.match(g.stderr, /No resources found/);
});

test('README "Rolling update": docs/examples/deployment.yaml, set image, rollout status, rollout undo', async () => {
  const file = join(DIST, '../docs/examples/deployment.yaml');
  const status = async () => {
    const st = await c.k(['rollout', 'status', 'deployment/web', '--timeout=90s'], 100_000);
    assert.is(st.code, 0, `${st.stdout}${st.stderr}`);
    assert.match(st.stdout, /successfully rolled out/);
  };
  const t0 = Date.now();
  const r = await c.k(['apply', '-f', file]);
  assert.is(r.code, 0, r.stderr);
  await status();
  const s = await c.k(['set', 'image', 'deployment/web', `web=${REGISTRY_IMAGE}`]);
  assert.is(s.code, 0, s.stderr);
  await status();
  assert.ok((await c.pods(SEL)).filter(active).every((p) => p.spec.containers[0].image === REGISTRY_IMAGE));
  const u = await c.k(['rollout', 'undo', 'deployment/web']);
  assert.is(u.code, 0, u.stderr);
  await status();
  const live = (await c.pods(SEL)).filter(active);
  assert.is(live.length, 4);
  assert.ok(live.every((p) => p.spec.containers[0].image === IMAGE && ready(p)));
  console.log(`  README sequence (apply, set image, undo, each to rollout status) in ${Date.now() - t0} ms`);
  const d = await c.k(['delete', '-f', file], 30_000);
  assert.is(d.code, 0, d.stderr);
  await waitFor(async () => (await c.containersOfWorkload('web-')).length === 0, {
    timeoutMs: 20_000,
    what: 'containers gone from Docker',
  });
});

test.run();
