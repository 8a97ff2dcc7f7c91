// `kubectl apply --prune -l` with kubectl's default allowlist against a real `drover hub`
// (issue #17): kubectl maps and lists each of its 16 default kinds (ConfigMap, Endpoints,
// Namespace, PersistentVolumeClaim, PersistentVolume, Pod, ReplicationController, Secret,
// Service, Job, CronJob, Ingress, DaemonSet, Deployment, ReplicaSet, StatefulSet) and stops
// at the first it cannot find, so every one must be served. An object dropped from the
// directory is pruned; what stays, and the Service's mirrored Endpoints (same labels, but not
// applied), are kept.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type HubProcess, killAll, kubectl, startHubProcess } from '../../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

let hub: HubProcess;
let dir: string;

test.before(async () => {
  hub = await startHubProcess();
  dir = tempDir('drover-prune-');
});
test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

const k = (...args: string[]) => kubectl(args, { kubeconfig: hub.kubeconfig, timeoutMs: 60_000 });

const FILES: Record<string, string> = {
  'cm-a.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pr-a, namespace: default, labels: {app: x}}\ndata: {a: "1"}\n',
  'cm-b.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pr-b, namespace: default, labels: {app: x}}\ndata: {b: "2"}\n',
  'svc.yaml':
    'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default, labels: {app: x}}\nspec: {selector: {app: x}, ports: [{port: 80}]}\n',
};

function writeDir(names: string[]): string {
  const d = join(dir, 'manifests');
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  for (const n of names) writeFileSync(join(d, n), FILES[n]);
  return d;
}

test('kubectl apply --prune -l app=x (default allowlist) prunes the dropped object and nothing else', async () => {
  let r = await k('apply', '--prune', '-l', 'app=x', '-f', writeDir(['cm-a.yaml', 'cm-b.yaml', 'svc.yaml']));
  assert.is(r.code, 0, `${r.stdout}${r.stderr}`);
  await waitFor(async () => (await k('get', 'endpoints', 'web', '-n', 'default')).code === 0, {
    what: 'the mirrored Endpoints',
  });
  r = await k('apply', '--prune', '-l', 'app=x', '-f', writeDir(['cm-a.yaml', 'svc.yaml']));
  assert.is(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, 'configmap/pr-b pruned');
  assert.not.match(r.stdout, 'endpoints/web pruned');
  const left = await k('get', 'cm,svc,endpoints', '-n', 'default', '-l', 'app=x', '-o', 'name');
  assert.equal(left.stdout.trim().split('\n').sort(), ['configmap/pr-a', 'endpoints/web', 'service/web']);
});

test.run();
