// The pod sandbox and init containers end to end (real hub, a real agent on the real Docker
// engine, the real kubectl): two containers of one pod talk over localhost and share an
// emptyDir and the pod's IP; init containers run in order and hand a file to the app; a
// failing init container blocks the app (Init:CrashLoopBackOff; Init:Error and Failed under
// restartPolicy Never); a hostNetwork pod has no sandbox and the node's address.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pod } from '../../shared/api/types.js';
import { parseTable } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';
import { Cluster, IMAGE, running } from './pods-harness.js';

// The failing init container's first retry comes after the agent's crash back-off: 1 s here
// instead of kubelet's 10 s, the same retry sooner.
const c = new Cluster([{ name: 'psb-a' }], ['--crash-backoff-base', '1s']);
test.before(() => c.start());
test.after(() => c.stop());

const container = (name: string, command: string, extra = '') =>
  `  - name: ${name}
    image: ${IMAGE}
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", ${JSON.stringify(command)}]
${extra}`;

const pod = (name: string, o: { containers: string[]; inits?: string[]; spec?: string }) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 1
${o.spec ?? ''}  volumes:
  - name: work
    emptyDir: {}
${o.inits ? `  initContainers:\n${o.inits.join('')}` : ''}  containers:
${o.containers.join('')}`;

const mount = '    volumeMounts:\n    - name: work\n      mountPath: /work\n';

/** kubectl get pod NAME's STATUS column. */
async function statusColumn(name: string): Promise<string | undefined> {
  const r = await c.k(['get', 'pod', name]);
  return parseTable(r.stdout).find((x) => x.NAME === name)?.STATUS;
}

const initialized = (p: Pod) => p.status?.conditions?.find((x) => x.type === 'Initialized')?.status;

test('two containers of one pod share localhost, an emptyDir and the pod IP', async () => {
  const r = await c.apply(
    pod('duo', {
      containers: [
        container('web', 'echo web-page > /work/index.html; exec httpd -f -p 8080 -h /work', mount),
        container('client', 'exec sleep 3600', mount),
      ],
    }),
  );
  assert.is(r.code, 0, r.stderr);
  const p = await c.waitPod('duo', running, 'Running');
  const page = await waitFor(
    async () => {
      const x = await c.k(['exec', 'duo', '-c', 'client', '--', 'wget', '-qO-', 'http://localhost:8080/']);
      return x.code === 0 ? x.stdout : undefined;
    },
    { what: 'client fetching web over localhost' },
  );
  assert.is(page, 'web-page\n');
  const ips = await c.k(['exec', 'duo', '-c', 'client', '--', 'sh', '-c', 'hostname; hostname -i']);
  assert.is(ips.code, 0, ips.stderr);
  const [host, ip] = ips.stdout.trim().split('\n');
  assert.is(host, 'duo', 'the pod name is the hostname of every container');
  assert.is(ip?.trim(), p.status?.podIP, 'the containers have the pod IP');
  const boxes = (await c.containersOf('duo', { withSandbox: true })).filter(
    (x) => x.Labels['io.drover.container.name'] === 'POD',
  );
  assert.is(boxes.length, 1, 'one sandbox');
});

test('init containers run in order before the app, which reads what they wrote', async () => {
  const r = await c.apply(
    pod('inited', {
      inits: [
        container('first', 'echo one > /work/msg', mount),
        container('second', 'test -f /work/msg && echo two >> /work/msg', mount),
      ],
      containers: [container('app', 'cat /work/msg; exec sleep 3600', mount)],
    }),
  );
  assert.is(r.code, 0, r.stderr);
  const p = await c.waitPod('inited', running, 'Running');
  assert.is(initialized(p), 'True');
  assert.equal(
    p.status?.initContainerStatuses?.map((s) => [s.name, s.state?.terminated?.reason]),
    [
      ['first', 'Completed'],
      ['second', 'Completed'],
    ],
  );
  const logs = await waitFor(
    async () => {
      const l = await c.k(['logs', 'inited', '-c', 'app']);
      return l.stdout || undefined;
    },
    { what: 'the app log' },
  );
  assert.is(logs, 'one\ntwo\n');
  assert.is(await statusColumn('inited'), 'Running');
});

test('a failing init container blocks the app: Init:CrashLoopBackOff, the app never created', async () => {
  const r = await c.apply(
    pod('blocked', {
      inits: [container('gate', 'echo no; exit 1')],
      containers: [container('app', 'exec sleep 3600')],
    }),
  );
  assert.is(r.code, 0, r.stderr);
  await waitFor(async () => (await statusColumn('blocked')) === 'Init:CrashLoopBackOff', {
    what: 'STATUS Init:CrashLoopBackOff',
    timeoutMs: 30_000,
  });
  const p = await c.pod('blocked');
  assert.is(p.status?.phase, 'Pending');
  assert.is(initialized(p), 'False');
  assert.is(p.status?.containerStatuses?.[0]?.state?.waiting?.reason, 'PodInitializing');
  await c.waitPod(
    'blocked',
    (x) => (x.status?.initContainerStatuses?.[0]?.restartCount ?? 0) >= 1,
    'the init container restarted after its back-off',
    30_000,
  );
  const app = (await c.containersOf('blocked')).filter((x) => x.Labels['io.drover.container.name'] === 'app');
  assert.is(app.length, 0, 'the app container was never created');
});

test('restartPolicy Never: a failed init container fails the pod (Init:Error), nothing retried', async () => {
  const r = await c.apply(
    pod('doomed-init', {
      spec: '  restartPolicy: Never\n',
      inits: [container('gate', 'exit 2')],
      containers: [container('app', 'exec sleep 3600')],
    }),
  );
  assert.is(r.code, 0, r.stderr);
  const p = await c.waitPod('doomed-init', (x) => x.status?.phase === 'Failed', 'Failed');
  assert.is(p.status?.initContainerStatuses?.[0]?.restartCount, 0);
  assert.is(p.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 2);
  assert.is(await statusColumn('doomed-init'), 'Init:Error');
  await waitFor(
    async () =>
      (await c.containersOf('doomed-init', { withSandbox: true })).every((x) => x.State !== 'running'),
    { what: 'the sandbox of the failed pod stopped' },
  );
});

test('hostNetwork: no sandbox, the node address, the host network visible', async () => {
  const r = await c.apply(
    pod('hostnet', { spec: '  hostNetwork: true\n', containers: [container('main', 'exec sleep 3600')] }),
  );
  assert.is(r.code, 0, r.stderr);
  const p = await c.waitPod('hostnet', running, 'Running');
  assert.ok(p.status?.podIP, `podIP set: ${JSON.stringify(p.status)}`);
  assert.is(p.status?.podIP, p.status?.hostIP);
  assert.is((await c.containersOf('hostnet', { withSandbox: true })).length, 1, 'no sandbox');
});

test.run();
