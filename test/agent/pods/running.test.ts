// Pods on the real engine: running with a hostPort, env from ConfigMap/Secret, configMap volume, logs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigMap, Secret } from '../../../shared/api/types.js';
import { cleanupTempDirs } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';
import { freePort, Harness, makePod, uid } from './harness.js';

const h = new Harness('pods-running');

// A failed test must not leave its manager running: it would treat the next test's pods as ghosts.
test.before.each(() => h.cleanup());

test.after(async () => {
  await h.cleanup();
  cleanupTempDirs();
});

async function readAll(s: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const b of s) out += b.toString();
  return out;
}

test('httpd with a hostPort goes Running and Ready, answers HTTP', async () => {
  const port = await freePort();
  const p = makePod('web', [
    {
      name: 'httpd',
      command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
      ports: [{ containerPort: 8080, hostPort: port }],
    },
  ]);
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p]));
  const st = await waitFor(
    () =>
      h.status(uid(p))?.conditions?.find((c) => c.type === 'Ready')?.status === 'True'
        ? h.status(uid(p))
        : undefined,
    {
      timeoutMs: 20_000,
      what: 'pod Ready',
    },
  );
  assert.is(st.phase, 'Running');
  assert.ok(st.podIP, 'podIP set');
  assert.is(st.hostIP, '127.0.0.1');
  const cs = st.containerStatuses?.[0];
  assert.match(cs?.containerID ?? '', /^docker:\/\/[0-9a-f]{64}$/);
  assert.is(cs?.restartCount, 0);
  assert.is(cs?.started, true);
  const body = await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/`)).text(), {
    what: 'HTTP answer',
  });
  assert.is(body.trim(), 'drover test page');
  assert.is(m.podCount(), 1);
  assert.ok(h.eventsOf(uid(p), 'Started').length === 1, 'Started event');
  assert.ok(h.eventsOf(uid(p), 'Created').length === 1, 'Created event');
  // Report only on change: no duplicate consecutive reports.
  const mine = h.reports.filter((r) => r.uid === uid(p)).map((r) => JSON.stringify(r.status));
  for (let i = 1; i < mine.length; i++) assert.is.not(mine[i], mine[i - 1]);
  await m.stop();
  await h.cleanup();
});

test('env from ConfigMap and Secret, configMap volume content, logs', async () => {
  const cm: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'conf', namespace: 'default' },
    data: { greeting: 'hello', 'app.conf': 'mode=edge\n' },
  };
  const secret: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: 'default' },
    data: { password: Buffer.from('s3cret').toString('base64') },
  };
  const p = makePod(
    'env',
    [
      {
        name: 'main',
        command: ['sh', '-c', 'echo "G=$GREETING P=$PASSWORD"; cat /etc/app/app.conf; sleep 3600'],
        env: [
          { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'conf', key: 'greeting' } } },
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
        ],
        volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }],
      },
    ],
    { volumes: [{ name: 'cfg', configMap: { name: 'conf' } }] },
  );
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p], { configMaps: [cm], secrets: [secret] }));
  await waitFor(() => h.status(uid(p))?.phase === 'Running', { timeoutMs: 20_000, what: 'Running' });
  const [c] = await h.containers();
  const env = await h.runtime.exec(c.id, ['env'], 5000);
  assert.match(env.output, /GREETING=hello/);
  assert.match(env.output, /PASSWORD=s3cret/);
  const file = await h.runtime.exec(c.id, ['cat', '/etc/app/app.conf'], 5000);
  assert.is(file.output, 'mode=edge\n');
  const text = await waitFor(
    async () => {
      const l = await m.logs('default', 'env', { tailLines: 10 });
      const t = await readAll(l.stream);
      return t.includes('mode=edge') ? t : undefined;
    },
    { what: 'logs' },
  );
  assert.match(text, /G=hello P=s3cret/);
  await m.stop();
  await h.cleanup();
});

test('missing ConfigMap: CreateContainerConfigError, then starts when it arrives', async () => {
  const p = makePod('late', [
    {
      name: 'main',
      command: ['sleep', '3600'],
      env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'late-cm', key: 'x' } } }],
    },
  ]);
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p]));
  await waitFor(
    () => h.status(uid(p))?.containerStatuses?.[0].state?.waiting?.reason === 'CreateContainerConfigError',
    { what: 'config error' },
  );
  assert.is(h.status(uid(p))?.phase, 'Pending');
  const cm: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'late-cm', namespace: 'default' },
    data: { x: '1' },
  };
  m.setDesired(h.desired([p], { configMaps: [cm] }));
  await waitFor(() => h.status(uid(p))?.phase === 'Running', { timeoutMs: 20_000, what: 'Running' });
  await m.stop();
  await h.cleanup();
});

test.run();
