// A pod's PersistentVolumeClaim end to end (real hub, a real agent, the real engine, kubectl):
// with no claim the pod stays Pending, unschedulable, naming the claim (one that names its
// board gets a FailedMount event naming the claim from the agent); once a
// hostPath PersistentVolume (DirectoryOrCreate) and the claim exist and bind, the pod starts and
// writes a file; it is deleted, and a new pod on the same claim, mounted readOnly, reads the
// file back and cannot write. A StatefulSet's pod starts on its volumeClaimTemplate's claim.

import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../helpers/wait.js';
import { Cluster, IMAGE, podYaml, running } from './pods-harness.js';

const c = new Cluster([{ name: 'pvc-a' }]);
let root = '';

test.before(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'drover-pvc-e2e-'));
  await c.start();
});
test.after(async () => {
  await c.stop();
  await fs.rm(root, { recursive: true, force: true });
});

const claimPod = (name: string, command: string, readOnly = false) =>
  podYaml({
    name,
    command,
    spec: `  volumes:
  - name: data
    persistentVolumeClaim: {claimName: data, readOnly: ${readOnly}}
`,
    container: `    volumeMounts:
    - {name: data, mountPath: /data}
`,
  });

async function gone(pod: string): Promise<void> {
  await waitFor(async () => (await c.k(['get', 'pod', pod])).code !== 0, { what: `${pod} deleted` });
}

test('a file written through a hostPath claim outlives its pod; a readOnly mount reads it', async () => {
  const path = join(root, 'vol', 'data'); // DirectoryOrCreate makes both levels
  const w = await c.apply(claimPod('pvc-writer', 'echo kept > /data/f && exec sleep 3600'));
  assert.is(w.code, 0, w.stderr);
  // The scheduler holds it (VolumeBinding), naming the claim.
  await c.waitPod(
    'pvc-writer',
    (p) =>
      !p.spec.nodeName &&
      !!p.status?.conditions?.some(
        (x) => x.type === 'PodScheduled' && /persistentvolumeclaim "data" not found/.test(x.message ?? ''),
      ),
    'Unschedulable naming the claim',
  );
  // A pod that names its board skips the scheduler: the agent refuses the claim, naming it.
  const pinned = await c.apply(
    claimPod('pvc-pinned', 'exec sleep 3600').replace('spec:\n', 'spec:\n  nodeName: pvc-a\n'),
  );
  assert.is(pinned.code, 0, pinned.stderr);
  await waitFor(
    async () =>
      /FailedMount.*persistentVolumeClaim "data"/.test(
        (await c.k(['get', 'events', '--field-selector', 'involvedObject.name=pvc-pinned'])).stdout,
      ),
    { what: 'FailedMount naming the claim' },
  );
  assert.is((await c.pod('pvc-pinned')).status?.phase, 'Pending');
  assert.is((await c.k(['delete', 'pod', 'pvc-pinned', '--grace-period=0', '--force'])).code, 0);

  const v = await c.apply(`apiVersion: v1
kind: PersistentVolume
metadata: {name: pvc-e2e}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: ${path}, type: DirectoryOrCreate}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`);
  assert.is(v.code, 0, v.stderr);
  await c.waitPod('pvc-writer', running, 'Running once the claim is bound', 30_000);
  assert.is(await waitFor(() => fs.readFile(join(path, 'f'), 'utf8').catch(() => undefined)), 'kept\n');
  assert.is((await c.k(['delete', 'pod', 'pvc-writer'])).code, 0);
  await gone('pvc-writer');

  const r = await c.apply(
    claimPod(
      'pvc-reader',
      'cat /data/f; touch /data/g 2>/dev/null && echo rw || echo ro; exec sleep 3600',
      true,
    ),
  );
  assert.is(r.code, 0, r.stderr);
  await c.waitPod('pvc-reader', running, 'Running', 30_000);
  const logs = await waitFor(async () => {
    const l = (await c.k(['logs', 'pvc-reader'])).stdout;
    return /r[ow]\n/.test(l) ? l : undefined;
  });
  assert.is(logs, 'kept\nro\n');
  assert.is((await c.k(['delete', 'pod', 'pvc-reader', '--wait=false'])).code, 0);
});

test("a StatefulSet's pod starts on the claim its volumeClaimTemplate made, bound to a pre-created volume", async () => {
  const path = join(root, 'sts');
  const a = await c.apply(`apiVersion: v1
kind: PersistentVolume
metadata: {name: pvc-e2e-sts}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: ${path}, type: DirectoryOrCreate}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: pvc-web}
spec:
  serviceName: pvc-web
  replicas: 1
  selector: {matchLabels: {app: pvc-web}}
  template:
    metadata: {labels: {app: pvc-web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: ${IMAGE}
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "hostname > /data/h && exec sleep 3600"]
        volumeMounts:
        - {name: www, mountPath: /data}
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`);
  assert.is(a.code, 0, a.stderr);
  await c.waitPod('pvc-web-0', running, 'Running on its claim www-pvc-web-0', 30_000);
  assert.is(await waitFor(() => fs.readFile(join(path, 'h'), 'utf8').catch(() => undefined)), 'pvc-web-0\n');
  assert.is((await c.k(['delete', 'statefulset', 'pvc-web', '--wait=false'])).code, 0);
});

test.run();
