// Restarts and probes on the real engine: CrashLoopBackOff, liveness kills, readiness and startup gates.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanupTempDirs } from '../../helpers/tmp.js';
import { holdsFor, waitFor } from '../../helpers/wait.js';
import { Harness, makePod, uid } from './harness.js';

const h = new Harness('pods-restarts');

// A failed test must not leave its manager running: it would treat the next test's pods as ghosts.
test.before.each(() => h.cleanup());

test.after(async () => {
  await h.cleanup();
  cleanupTempDirs();
});

test('crash-looping container: CrashLoopBackOff with growing delays, restartCount rising', async () => {
  const p = makePod('crash', [{ name: 'c', command: ['sh', '-c', 'exit 1'] }]);
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p]));
  await waitFor(() => (h.status(uid(p))?.containerStatuses?.[0].restartCount ?? 0) >= 3, {
    timeoutMs: 30_000,
    what: 'restartCount >= 3',
  });
  const messages = h.reports
    .filter((r) => r.uid === uid(p))
    .map((r) => r.status.containerStatuses?.[0].state?.waiting)
    .filter((w) => w?.reason === 'CrashLoopBackOff')
    .map((w) => w?.message ?? '');
  const delays = [
    ...new Set(
      messages.map(
        (s) => /^back-off (\d+)s restarting failed container=c pod=crash_default\((.+)\)$/.exec(s)?.[1],
      ),
    ),
  ];
  assert.equal(delays.slice(0, 3), ['1', '2', '4'], `messages: ${JSON.stringify(messages)}`);
  assert.ok(messages[0].endsWith(`(${uid(p)})`));
  const st = h.status(uid(p));
  assert.is(st?.phase, 'Running');
  assert.is(st?.containerStatuses?.[0].lastState?.terminated?.exitCode, 1);
  // Only the newest container and the one before it are kept (older ones go on the next sync),
  // beside the pod's sandbox.
  await waitFor(async () => (await h.containers()).length <= 3, { what: 'old containers removed' });
  assert.ok(h.eventsOf(uid(p), 'BackOff').length >= 1);
  await m.stop();
  await h.cleanup();
});

test('restartPolicy Never: a failed container stays terminated, pod Failed', async () => {
  const p = makePod('once', [{ name: 'c', command: ['sh', '-c', 'exit 3'] }], { restartPolicy: 'Never' });
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p]));
  const st = await waitFor(() => (h.status(uid(p))?.phase === 'Failed' ? h.status(uid(p)) : undefined), {
    what: 'Failed',
  });
  assert.is(st.containerStatuses?.[0].state?.terminated?.exitCode, 3);
  assert.is(st.containerStatuses?.[0].restartCount, 0);
  await m.stop();
  await h.cleanup();
});

test('failing liveness exec probe: Unhealthy, Killing, restart', async () => {
  const p = makePod(
    'live',
    [
      {
        name: 'c',
        command: ['sleep', '3600'],
        livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 },
      },
    ],
    { terminationGracePeriodSeconds: 1 },
  );
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p]));
  const st = await waitFor(
    () => {
      const s = h.status(uid(p));
      return s?.containerStatuses?.[0].restartCount === 1 && s.containerStatuses[0].state?.running
        ? s
        : undefined;
    },
    { timeoutMs: 20_000, what: 'restarted once' },
  );
  assert.is(st.containerStatuses?.[0].lastState?.terminated?.exitCode, 137);
  const unhealthy = h.eventsOf(uid(p), 'Unhealthy');
  assert.ok(unhealthy.length >= 1);
  assert.match(unhealthy[0].message, /^Liveness probe failed: /);
  assert.is(unhealthy[0].type, 'Warning');
  assert.match(h.eventsOf(uid(p), 'Killing')[0]?.message ?? '', /failed liveness probe, will be restarted/);
  await m.stop();
  await h.cleanup();
});

test('readiness probe gates Ready', async () => {
  const p = makePod('ready', [
    {
      name: 'c',
      command: ['sh', '-c', 'sleep 2; touch /tmp/ready; sleep 3600'],
      readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
    },
  ]);
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p]));
  const before = await waitFor(() => (h.status(uid(p))?.phase === 'Running' ? h.status(uid(p)) : undefined), {
    what: 'Running',
  });
  assert.is(before.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
  assert.is(before.containerStatuses?.[0].ready, false);
  const after = await waitFor(
    () => (h.status(uid(p))?.containerStatuses?.[0].ready ? h.status(uid(p)) : undefined),
    { timeoutMs: 10_000, what: 'ready' },
  );
  assert.is(after.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.is(after.conditions?.find((c) => c.type === 'ContainersReady')?.status, 'True');
  await m.stop();
  await h.cleanup();
});

test('startup probe holds liveness back until it passes', async () => {
  // Without the gate this liveness probe (failureThreshold 1) would kill the container in ~1 s.
  const p = makePod(
    'slow',
    [
      {
        name: 'c',
        command: ['sh', '-c', 'sleep 3; touch /tmp/up; sleep 3600'],
        startupProbe: {
          exec: { command: ['test', '-f', '/tmp/up'] },
          periodSeconds: 1,
          failureThreshold: 10,
        },
        livenessProbe: {
          exec: { command: ['test', '-f', '/tmp/up'] },
          periodSeconds: 1,
          failureThreshold: 1,
        },
      },
    ],
    { terminationGracePeriodSeconds: 1 },
  );
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p]));
  const early = await waitFor(() => (h.status(uid(p))?.phase === 'Running' ? h.status(uid(p)) : undefined), {
    what: 'Running',
  });
  assert.is(early.containerStatuses?.[0].started, false);
  const st = await waitFor(
    () => (h.status(uid(p))?.containerStatuses?.[0].started ? h.status(uid(p)) : undefined),
    { timeoutMs: 15_000, what: 'started' },
  );
  assert.is(st.containerStatuses?.[0].restartCount, 0);
  assert.is(st.containerStatuses?.[0].ready, true);
  assert.is(h.eventsOf(uid(p), 'Killing').length, 0);
  await m.stop();
  await h.cleanup();
});

test('httpGet readiness and tcpSocket liveness against httpd; a 404 path stays unready', async () => {
  const httpd = ['httpd', '-f', '-p', '8080', '-h', '/www'];
  const good = makePod('probed', [
    {
      name: 'web',
      command: httpd,
      ports: [{ name: 'http', containerPort: 8080 }],
      readinessProbe: { httpGet: { path: '/index.html', port: 'http' }, periodSeconds: 1 },
      // failureThreshold 3: the first probe runs as soon as the container runs (as kubelet's
      // does), and under load httpd may not have bound its port yet; one miss must not kill it.
      livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1, failureThreshold: 3 },
    },
  ]);
  const bad = makePod('notfound', [
    {
      name: 'web',
      command: httpd,
      readinessProbe: { httpGet: { path: '/missing', port: 8080 }, periodSeconds: 1 },
    },
  ]);
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([good, bad]));
  await waitFor(() => h.status(uid(good))?.containerStatuses?.[0].ready, {
    timeoutMs: 15_000,
    what: 'ready via httpGet',
  });
  await waitFor(() => h.eventsOf(uid(bad), 'Unhealthy').some((e) => /statuscode: 404/.test(e.message)), {
    what: '404 event',
  });
  assert.is(h.status(uid(bad))?.containerStatuses?.[0].ready, false);
  // Past three liveness periods while serving: a tcpSocket probe that failed would have killed it.
  await holdsFor(() => h.status(uid(good))?.containerStatuses?.[0].restartCount === 0, {
    durationMs: 4_000,
    what: 'no restart under tcpSocket liveness',
  });
  assert.is(h.eventsOf(uid(good), 'Killing').length, 0);
  await m.stop();
  await h.cleanup();
});

test.run();
