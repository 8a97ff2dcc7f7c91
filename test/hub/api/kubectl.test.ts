// The real kubectl (v1.32) against the API over HTTP: create/apply/get/describe/watch/delete.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node } from '../../../shared/api/types.js';
import { node, startApi, type TestApi, waitFor } from './helpers.js';

let t: TestApi;
let kubeconfig: string;

test.before(async () => {
  t = await startApi();
  kubeconfig = join(t.dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: drover, cluster: {server: "${t.api.url}"}}]
users: [{name: u, user: {}}]
contexts: [{name: drover, context: {cluster: drover, user: u}}]
current-context: drover
`,
  );
  await t.api.client.create('nodes', undefined, node('pi-ready', 'True', {}) as Node);
  await t.api.client.create('nodes', undefined, node('pi-down', 'False') as Node);
});
test.after(async () => t.stop());

function kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return kubectlEnv({}, ...args);
}

function kubectlEnv(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      args,
      { env: { ...process.env, KUBECONFIG: kubeconfig, ...env }, timeout: 30_000 },
      (e, out, err) => {
        resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err });
      },
    );
  });
}

async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  assert.is(r.code, 0, `kubectl ${args.join(' ')} failed: ${r.err}`);
  return r.out;
}

function file(name: string, text: string): string {
  const p = join(t.dir, name);
  writeFileSync(p, text);
  return p;
}

function cols(line: string): string[] {
  return line.trim().split(/\s{2,}/);
}

test('kubectl create -f with a namespace and a pod', async () => {
  const f = file(
    'demo.yaml',
    `apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: demo
  labels: {app: web}
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports: [{containerPort: 80}]
`,
  );
  const out = await ok('create', '-f', f);
  assert.match(out, 'namespace/demo created');
  assert.match(out, 'pod/web created');
});

test('kubectl get nodes and -o wide', async () => {
  const out = await ok('get', 'nodes');
  const lines = out.trim().split('\n');
  assert.equal(cols(lines[0]), ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
  const rows = Object.fromEntries(lines.slice(1).map((l) => [cols(l)[0], cols(l)]));
  assert.is(rows['pi-ready'][1], 'Ready');
  assert.is(rows['pi-down'][1], 'NotReady');
  assert.is(rows['pi-ready'][2], '<none>');
  assert.is(rows['pi-ready'][4], 'v1.32.0-drover');
  const wide = (await ok('get', 'nodes', '-o', 'wide')).trim().split('\n');
  assert.equal(cols(wide[0]), [
    'NAME',
    'STATUS',
    'ROLES',
    'AGE',
    'VERSION',
    'INTERNAL-IP',
    'EXTERNAL-IP',
    'OS-IMAGE',
    'KERNEL-VERSION',
    'CONTAINER-RUNTIME',
  ]);
  assert.equal(cols(wide[1]).slice(5), [
    '10.0.0.7',
    '<none>',
    'Debian GNU/Linux 12 (bookworm)',
    '6.1.0-rpi7',
    'docker://24.0.7',
  ]);
});

test('kubectl get ns, get pods -A, short names', async () => {
  const ns = await ok('get', 'ns');
  assert.match(ns, /demo\s+Active/);
  assert.match(ns, /kube-system\s+Active/);
  const pods = (await ok('get', 'pods', '-A')).trim().split('\n');
  assert.equal(cols(pods[0]), ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  assert.equal(cols(pods[1]).slice(0, 5), ['demo', 'web', '0/1', 'Pending', '0']);
  assert.match(await ok('get', 'po', '-n', 'demo', '-o', 'wide'), /NOMINATED NODE\s+READINESS GATES/);
  assert.match(await ok('get', 'no'), /pi-ready/);
});

test('kubectl describe node lists its pods and events', async () => {
  await t.api.client.createSubresource('pods', 'demo', 'web', 'binding', {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'web' },
    target: { kind: 'Node', name: 'pi-ready' },
  } as never);
  const n = await t.api.client.get<Node>('nodes', undefined, 'pi-ready');
  await t.api.client.create('events', 'default', {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'pi-ready.1' },
    involvedObject: { kind: 'Node', name: 'pi-ready', uid: n.metadata.uid },
    reason: 'NodeReady',
    message: 'Node pi-ready status is now: NodeReady',
    type: 'Normal',
    source: { component: 'node-controller' },
    firstTimestamp: new Date().toISOString(),
    lastTimestamp: new Date().toISOString(),
    count: 1,
  } as never);
  const out = await ok('describe', 'node', 'pi-ready');
  assert.match(out, /Name:\s+pi-ready/);
  assert.match(out, /Ready\s+True/);
  assert.match(out, /Non-terminated Pods:\s+\(1 in total\)/);
  assert.match(out, /demo\s+web/);
  assert.match(out, /Normal\s+NodeReady\s+\S+\s+node-controller\s+Node pi-ready status is now: NodeReady/);
  const ev = await ok('get', 'events', '-A');
  assert.match(ev, /LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
  assert.match(ev, /Normal\s+NodeReady\s+node\/pi-ready/);
});

test('kubectl describe pod', async () => {
  const out = await ok('describe', 'pod', 'web', '-n', 'demo');
  assert.match(out, /Name:\s+web/);
  assert.match(out, /Node:\s+pi-ready/);
  assert.match(out, /Image:\s+nginx:1.25/);
  assert.match(out, /Status:\s+Pending/);
});

test('kubectl apply twice is a no-op, a change is a patch', async () => {
  const manifest = (image: string) =>
    `apiVersion: v1
kind: Pod
metadata:
  name: app
  namespace: default
spec:
  containers:
  - name: app
    image: ${image}
    env: [{name: A, value: "1"}]
`;
  const f = file('app.yaml', manifest('busybox:1.36'));
  assert.match(await ok('apply', '-f', f), 'pod/app created');
  assert.match(await ok('apply', '-f', f), 'pod/app unchanged');
  file('app.yaml', manifest('busybox:1.37'));
  assert.match(await ok('apply', '-f', f), 'pod/app configured');
  const pod = await t.api.client.get<{ spec: { containers: { image: string }[] } } & Node>(
    'pods',
    'default',
    'app',
  );
  assert.is(pod.spec.containers[0].image, 'busybox:1.37');
});

test('kubectl create with an unknown field or invalid pod shows the server message', async () => {
  const f = file('bad.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containerz: []\n');
  const r = await kubectl('create', '-f', f);
  assert.is.not(r.code, 0);
  assert.match(r.err, /unknown field "spec.containerz"/);
  const g = file(
    'bad2.yaml',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers: [{name: a}]\n',
  );
  const r2 = await kubectl('create', '-f', g);
  assert.match(r2.err, /spec.containers\[0\].image: Required value/);
});

test('kubectl get cm/secret/leases columns', async () => {
  assert.match(await ok('create', 'namespace', 'team2'), 'namespace/team2 created');
  assert.match(await ok('get', 'ns', 'team2', '--show-labels'), 'kubernetes.io/metadata.name=team2');
  await ok('create', 'configmap', 'c1', '--from-literal=a=1', '--from-literal=b=2');
  await ok('create', 'secret', 'generic', 's1', '--from-literal=k=v');
  await t.api.client.create('leases', 'kube-node-lease', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'pi-ready' },
    spec: { holderIdentity: 'pi-ready', leaseDurationSeconds: 40 },
  } as never);
  assert.match(await ok('get', 'cm', 'c1'), /c1\s+2\s+\d+s/);
  assert.match(await ok('get', 'secret', 's1'), /s1\s+Opaque\s+1\s+\d+s/);
  assert.match(
    await ok('get', 'leases', '-n', 'kube-node-lease'),
    /NAME\s+HOLDER\s+AGE\npi-ready\s+pi-ready/,
  );
});

test('kubectl get nodes -w shows a node change', async () => {
  const child: ChildProcess = spawn('kubectl', ['get', 'nodes', '-w'], {
    env: { ...process.env, KUBECONFIG: kubeconfig },
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  try {
    await waitFor(() => /pi-down\s+NotReady/.test(out), 'initial list');
    await t.api.client.patch(
      'nodes',
      undefined,
      'pi-down',
      { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
      'strategic',
      'status',
    );
    await waitFor(() => /pi-down\s+Ready\s/.test(out), `watch line in:\n${out}`);
    assert.is(out.match(/NAME\s+STATUS/g)?.length, 1, 'header printed once');
  } finally {
    child.kill('SIGKILL');
  }
});

test('kubectl delete', async () => {
  assert.match(await ok('delete', 'pod', 'app'), 'pod "app" deleted');
  const r = await kubectl('get', 'pod', 'app');
  assert.match(r.err, /pods "app" not found/);
  assert.match(await ok('delete', 'ns', 'demo'), 'namespace "demo" deleted');
  assert.not.match(await ok('get', 'ns'), /demo/);
});

/** A directory of ConfigMap manifests (one file each), rewritten with exactly these names. */
function manifests(dirName: string, names: string[], labels: string): string {
  const dir = join(t.dir, dirName);
  mkdirSync(dir, { recursive: true });
  for (const n of ['a', 'b']) writeFileSync(join(dir, `${n}.yaml`), '');
  for (const [i, n] of names.entries())
    writeFileSync(
      join(dir, `${'ab'[i]}.yaml`),
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n}\n  namespace: default\n  labels: {${labels}}\ndata: {a: "1"}\n`,
    );
  return dir;
}

const cmNames = async (selector: string) =>
  (await ok('get', 'cm', '-n', 'default', '-l', selector, '-o', 'name')).trim().split('\n').sort();

// #17: ApplySets (kubectl's server-side prune, what GitOps tools use): the parent Secret records
// the group-kinds, and an object dropped from the directory is pruned.
test('KUBECTL_APPLYSET=true kubectl apply --server-side --applyset --prune removes what left the set', async () => {
  const applySet = (dir: string) =>
    kubectlEnv(
      { KUBECTL_APPLYSET: 'true' },
      'apply',
      '--server-side',
      '--applyset=fleetset',
      '--prune',
      '-n',
      'default',
      '-f',
      dir,
    );
  let r = await applySet(manifests('set', ['as-a', 'as-b'], 'team: fleet'));
  assert.is(r.code, 0, r.err);
  assert.equal(await cmNames('team=fleet'), ['configmap/as-a', 'configmap/as-b']);
  r = await applySet(manifests('set', ['as-a'], 'team: fleet'));
  assert.is(r.code, 0, r.err);
  assert.match(r.out, 'configmap/as-b pruned');
  assert.equal(await cmNames('team=fleet'), ['configmap/as-a']);
});

// Label-based prune with an explicit allowlist (the default one: prune-default-allowlist.test.ts).
test('kubectl apply --prune -l with --prune-allowlist removes what left the directory', async () => {
  const prune = (dir: string) =>
    kubectl('apply', '--prune', '-l', 'set=p', '--prune-allowlist=core/v1/ConfigMap', '-f', dir);
  let r = await prune(manifests('prune', ['pr-a', 'pr-b'], 'set: p'));
  assert.is(r.code, 0, r.err);
  r = await prune(manifests('prune', ['pr-a'], 'set: p'));
  assert.is(r.code, 0, r.err);
  assert.match(r.out, 'configmap/pr-b pruned');
  assert.equal(await cmNames('set=p'), ['configmap/pr-a']);
});

test.run();
