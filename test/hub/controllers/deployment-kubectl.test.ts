// The real kubectl (v1.32) against the in-process API with the workload controllers:
// apply twice, get, describe, rollout status/history/undo/pause/resume/restart, set image,
// scale. Pods are made Ready by the FakeKubelet fixture (a stand-in for agents).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Deployment, ReplicaSet } from '../../../shared/api/apps.js';
import type { Pod } from '../../../shared/api/types.js';
import { type Fixture, startFixture } from './deployment-fixture.js';
import { waitFor } from './wait.js';

let f: Fixture;
test.before(async () => {
  f = await startFixture({ delayMs: 20 });
});
test.after(async () => f.stop());

const NS = 'default';

async function ok(...args: string[]): Promise<string> {
  const r = await f.kubectl(...args);
  assert.is(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.err}`);
  return r.out;
}

function manifest(image: string, cause?: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
${cause ? `  annotations:\n    kubernetes.io/change-cause: "${cause}"\n` : ''}spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  strategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: ${image}
        ports: [{containerPort: 80}]
`;
}

const get = () => f.client.get<Deployment>('deployments', NS, 'web');
const rss = async () =>
  (await f.client.list<ReplicaSet>('replicasets', NS, { labelSelector: 'app=web' })).items;
const image = (d: { spec: { template: { spec: { containers: { image?: string }[] } } } }) =>
  d.spec.template.spec.containers[0].image;

test('kubectl apply -f, rollout status, then apply again with a change', async () => {
  const out = await ok('apply', '-f', f.file('web.yaml', manifest('nginx:1.25', 'first')));
  assert.match(out, /deployment.apps\/web created/);
  assert.match(await ok('rollout', 'status', 'deployment/web', '--timeout=30s'), /successfully rolled out/);
  const again = await ok('apply', '-f', f.file('web2.yaml', manifest('nginx:1.26', 'second')));
  assert.match(again, /deployment.apps\/web configured/);
  assert.match(await ok('rollout', 'status', 'deployment/web', '--timeout=30s'), /successfully rolled out/);
  assert.is(image(await get()), 'nginx:1.26');
  assert.is((await rss()).length, 2);
});

test('kubectl get deploy,rs,pods prints the upstream columns', async () => {
  const out = await ok('get', 'deploy,rs,pods');
  assert.match(out, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
  assert.match(out, /deployment.apps\/web\s+3\/3\s+3\s+3\s+/);
  assert.match(out, /NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE/);
  assert.match(out, /replicaset.apps\/web-[a-z0-9]+\s+3\s+3\s+3\s+/);
  assert.match(out, /replicaset.apps\/web-[a-z0-9]+\s+0\s+0\s+0\s+/);
  assert.is(out.match(/^pod\/web-/gm)?.length, 3);
  const wide = await ok('get', 'deploy', 'web', '-o', 'wide');
  assert.match(wide, /CONTAINERS\s+IMAGES\s+SELECTOR/);
  assert.match(wide, /nginx\s+nginx:1.26\s+app=web/);
  assert.match(await ok('get', 'rs', '-o', 'name'), /replicaset.apps\/web-/);
});

test('kubectl describe deployment and rollout history', async () => {
  const out = await ok('describe', 'deployment', 'web');
  assert.match(out, /Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable/);
  assert.match(out, /RollingUpdateStrategy:\s+0 max unavailable, 1 max surge/);
  assert.match(out, /Progressing\s+True\s+NewReplicaSetAvailable/);
  assert.match(out, /NewReplicaSet:\s+web-[a-z0-9]+ \(3\/3 replicas created\)/);
  assert.match(out, /ScalingReplicaSet/);
  const hist = await ok('rollout', 'history', 'deployment/web');
  assert.match(hist, /1\s+first/);
  assert.match(hist, /2\s+second/);
  assert.match(await ok('rollout', 'history', 'deployment/web', '--revision=1'), /nginx:1.25/);
});

test('kubectl rollout undo restores the previous template on its old ReplicaSet', async () => {
  const before = await rss();
  assert.match(await ok('rollout', 'undo', 'deployment/web'), /rolled back/);
  await ok('rollout', 'status', 'deployment/web', '--timeout=30s');
  const d = await get();
  assert.is(image(d), 'nginx:1.25');
  assert.is(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  const after = await rss();
  assert.is(after.length, before.length, 'the revision-1 ReplicaSet was reused, none created');
  const active = after.find((r) => (r.spec.replicas ?? 0) > 0);
  assert.is(active && image(active), 'nginx:1.25');
  assert.is(active?.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
  // to a named revision
  await ok('rollout', 'undo', 'deployment/web', '--to-revision=2');
  await ok('rollout', 'status', 'deployment/web', '--timeout=30s');
  assert.is(image(await get()), 'nginx:1.26');
});

test('kubectl rollout pause, set image, resume', async () => {
  await ok('rollout', 'pause', 'deployment/web');
  assert.ok((await get()).spec.paused);
  assert.match(await ok('set', 'image', 'deployment/web', 'nginx=nginx:1.27'), /image updated/);
  const n = (await rss()).length;
  await waitFor('paused condition', async () =>
    (await get()).status?.conditions?.some((c) => c.reason === 'DeploymentPaused'),
  );
  assert.is((await rss()).length, n, 'no new ReplicaSet while paused');
  await ok('rollout', 'resume', 'deployment/web');
  await ok('rollout', 'status', 'deployment/web', '--timeout=30s');
  assert.is(image(await get()), 'nginx:1.27');
});

test('kubectl rollout restart rolls new pods with restartedAt', async () => {
  const old = new Set(
    (await f.client.list<Pod>('pods', NS, { labelSelector: 'app=web' })).items.map((p) => p.metadata.name),
  );
  assert.match(await ok('rollout', 'restart', 'deployment/web'), /restarted/);
  await ok('rollout', 'status', 'deployment/web', '--timeout=30s');
  const d = await get();
  assert.ok(d.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
  const pods = (await f.client.list<Pod>('pods', NS, { labelSelector: 'app=web' })).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );
  assert.is(pods.length, 3);
  assert.ok(
    pods.every((p) => !old.has(p.metadata.name)),
    'every pod replaced',
  );
});

test('kubectl scale --replicas uses the scale subresource', async () => {
  assert.match(await ok('scale', 'deployment/web', '--replicas=5'), /scaled/);
  await ok('rollout', 'status', 'deployment/web', '--timeout=30s');
  assert.is((await get()).status?.availableReplicas, 5);
  const scale = JSON.parse(
    await ok('get', '--raw', '/apis/apps/v1/namespaces/default/deployments/web/scale'),
  ) as {
    kind: string;
    apiVersion: string;
    spec: { replicas: number };
    status: { replicas: number; selector: string };
  };
  assert.is(scale.kind, 'Scale');
  assert.is(scale.apiVersion, 'autoscaling/v1');
  assert.is(scale.spec.replicas, 5);
  assert.is(scale.status.selector, 'app=web');
  // replicasets too, with a precondition (PUT with resourceVersion)
  const rs = (await rss()).find((r) => (r.spec.replicas ?? 0) > 0);
  const bad = await f.kubectl('scale', `rs/${rs?.metadata.name}`, '--current-replicas=9', '--replicas=1');
  assert.is.not(bad.code, 0);
  assert.match(bad.err, /Expected replicas to be 9, was 5/);
});

test('kubectl create deployment (protobuf body) runs its pods', async () => {
  assert.match(
    await ok('create', 'deployment', 'made', '--image=nginx:1', '--replicas=2', '--port=80'),
    /created/,
  );
  await ok('rollout', 'status', 'deployment/made', '--timeout=30s');
  const d = await f.client.get<Deployment>('deployments', NS, 'made');
  assert.equal(d.spec.selector, { matchLabels: { app: 'made' } });
  assert.is(d.spec.template.spec.containers[0].ports?.[0].containerPort, 80);
  assert.is(d.status?.availableReplicas, 2);
});

test('kubectl rejects what validation refuses', async () => {
  const bad = f.file(
    'bad.yaml',
    manifest('nginx:1', undefined)
      .replace('name: web', 'name: bad')
      .replace('maxSurge: 1, maxUnavailable: 0', 'maxSurge: 0, maxUnavailable: 0'),
  );
  const r = await f.kubectl('apply', '-f', bad);
  assert.is.not(r.code, 0);
  assert.match(r.err, /may not be 0 when `maxSurge` is 0/);
  const unknown = f.file(
    'unknown.yaml',
    manifest('nginx:1')
      .replace('name: web', 'name: unk')
      .replace('  replicas: 3', '  replicas: 3\n  replicaz: 1'),
  );
  const u = await f.kubectl('apply', '-f', unknown);
  assert.is.not(u.code, 0);
  assert.match(u.err, /unknown field "spec.replicaz"/);
});

test.run();
