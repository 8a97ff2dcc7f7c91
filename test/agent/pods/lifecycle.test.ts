// Pod lifecycle on the real engine: removal with grace, adoption across restarts, offline cache,
// ghosts, and image pulls from the local registry.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { podCachePath } from '../../../agent/pods/cache.js';
import { LABEL_POD_UID } from '../../../agent/runtime/labels.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';
import { Harness, makePod, REGISTRY_IMAGE, uid } from './harness.js';

const h = new Harness('pods-lifecycle');

// A failed test must not leave its manager running: it would treat the next test's pods as ghosts.
test.before.each(() => h.cleanup());

test.after(async () => {
  await h.cleanup();
  cleanupTempDirs();
});

const running = (u: string) => () =>
  h.status(u)?.containerStatuses?.every((c) => c.state?.running) && h.status(u)?.phase === 'Running';

test('removed from desired: a SIGTERM-ignoring sleeper is killed after its 2 s grace, dir cleaned, final status', async () => {
  const dataDir = tempDir();
  const p = makePod(
    'sleeper',
    [{ name: 'c', command: ['sh', '-c', "trap '' TERM; while true; do sleep 1; done"] }],
    { terminationGracePeriodSeconds: 2 },
  );
  const m = h.manager({ dataDir });
  await m.start();
  m.setDesired(h.desired([p]));
  await waitFor(running(uid(p)), { timeoutMs: 20_000, what: 'Running' });
  assert.ok(existsSync(join(dataDir, 'pods', uid(p))));
  const reportsBefore = h.reports.length;
  const t0 = Date.now();
  m.setDesired(h.desired([]));
  await waitFor(async () => (await h.containers()).length === 0, {
    timeoutMs: 15_000,
    what: 'container removed',
  });
  const took = Date.now() - t0;
  assert.ok(took >= 1800 && took < 8000, `took ${took} ms`);
  // The final status is the last one reported (it comes before the container is removed).
  assert.ok(h.reports.length > reportsBefore, 'a final status was reported');
  const final = h.status(uid(p));
  assert.is(final?.phase, 'Failed');
  assert.is(final?.containerStatuses?.[0].state?.terminated?.exitCode, 137);
  assert.is(m.podCount(), 0);
  await waitFor(() => !existsSync(join(dataDir, 'pods', uid(p))), { what: 'pod dir removed' });
  assert.ok(h.eventsOf(uid(p), 'Killing').length >= 1);
  await m.stop();
  await h.cleanup();
});

test('deletionTimestamp: stopped, final status reported, pod no longer counted', async () => {
  const p = makePod('doomed', [{ name: 'c', command: ['sleep', '3600'] }], {
    terminationGracePeriodSeconds: 0,
  });
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p]));
  await waitFor(running(uid(p)), { timeoutMs: 20_000, what: 'Running' });
  const deleting = {
    ...p,
    metadata: { ...p.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 0 },
  };
  m.setDesired(h.desired([deleting]));
  await waitFor(async () => (await h.containers()).length === 0, {
    timeoutMs: 10_000,
    what: 'container removed',
  });
  await waitFor(() => h.status(uid(p))?.containerStatuses?.[0].state?.terminated, {
    what: 'terminated status',
  });
  // The final status goes out before the pod's directory is removed and the pod counted finished.
  await waitFor(() => m.podCount() === 0, { what: 'pod no longer counted' });
  await m.stop();
  await h.cleanup();
});

test('stop() leaves containers running; a new manager adopts them (same ids, no duplicates)', async () => {
  const dataDir = tempDir();
  const a = makePod('adopt-a', [{ name: 'c', command: ['sleep', '3600'] }]);
  const b = makePod('adopt-b', [
    { name: 'x', command: ['sleep', '3600'] },
    { name: 'y', command: ['sleep', '3600'] },
  ]);
  const m1 = h.manager({ dataDir });
  await m1.start();
  m1.setDesired(h.desired([a, b]));
  await waitFor(() => running(uid(a))() && running(uid(b))(), { timeoutMs: 20_000, what: 'both Running' });
  await m1.stop();
  const before = (await h.containers()).map((c) => c.id).sort();
  assert.is(before.length, 5, "three containers and the two pods' sandboxes");
  assert.ok(
    (await h.containers()).every((c) => c.state === 'running'),
    'still running after stop()',
  );

  const reportsBefore = h.reports.length;
  const m2 = h.manager({ dataDir });
  m2.setDesired(h.desired([a, b]));
  await m2.start();
  await waitFor(
    () => h.reports.slice(reportsBefore).filter((r) => r.status.phase === 'Running').length >= 2,
    { what: 'adopted status' },
  );
  // Give the loops a few polls to (wrongly) create anything.
  await new Promise((r) => setTimeout(r, 1000));
  const after = (await h.containers()).map((c) => c.id).sort();
  assert.equal(after, before);
  const st = h.reports.slice(reportsBefore).find((r) => r.uid === uid(a))?.status;
  assert.is(st?.containerStatuses?.[0].restartCount, 0);
  assert.is(h.eventsOf(uid(a), 'Created').length, 1, 'created once, by the first manager');
  assert.is(m2.podCount(), 2);
  await m2.stop();
  await h.cleanup();
});

test('adoption keeps restartCount from the attempt label', async () => {
  const dataDir = tempDir();
  const p = makePod('counted', [{ name: 'c', command: ['sh', '-c', 'sleep 1; exit 1'] }]);
  // Short crash back-offs: this test is about the count adopted, not the delays (restarts.test.ts).
  const m1 = h.manager({ dataDir, crashBackoff: { initialMs: 200, maxMs: 400 } });
  await m1.start();
  m1.setDesired(h.desired([p]));
  await waitFor(() => (h.status(uid(p))?.containerStatuses?.[0].restartCount ?? 0) >= 2, {
    timeoutMs: 20_000,
    what: 'two restarts',
  });
  await m1.stop();
  const count = h.status(uid(p))?.containerStatuses?.[0].restartCount ?? 0;
  const n = h.reports.length;
  const m2 = h.manager({ dataDir });
  await m2.start();
  const st = await waitFor(() => h.reports.slice(n).find((r) => r.uid === uid(p))?.status, {
    what: 'status after restart',
  });
  assert.ok(
    (st.containerStatuses?.[0].restartCount ?? 0) >= count,
    `restartCount ${st.containerStatuses?.[0].restartCount} >= ${count}`,
  );
  await m2.stop();
  await h.cleanup();
});

test('no hub: a new manager brings pods back from the on-disk cache (mode 0600)', async () => {
  const dataDir = tempDir();
  const p = makePod('cached', [
    {
      name: 'c',
      command: ['sleep', '3600'],
      env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 'sec', key: 'k' } } }],
    },
  ]);
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret' as const,
    metadata: { name: 'sec', namespace: 'default' },
    data: { k: Buffer.from('v').toString('base64') },
  };
  const m1 = h.manager({ dataDir });
  await m1.start();
  m1.setDesired(h.desired([p], { secrets: [secret] }));
  await waitFor(running(uid(p)), { timeoutMs: 20_000, what: 'Running' });
  await m1.stop();
  assert.is(statSync(podCachePath(dataDir)).mode & 0o777, 0o600);
  // Reboot: the containers are gone.
  for (const c of await h.containers()) await h.runtime.removeContainer(c.id, { force: true });
  const n = h.reports.length;
  const m2 = h.manager({ dataDir });
  await m2.start(); // no setDesired: the hub is unreachable
  await waitFor(() => h.reports.slice(n).some((r) => r.uid === uid(p) && r.status.phase === 'Running'), {
    timeoutMs: 20_000,
    what: 'Running from cache',
  });
  const [c] = await h.containers();
  assert.is(c.labels[LABEL_POD_UID], uid(p));
  assert.match((await h.runtime.exec(c.id, ['env'], 5000)).output, /S=v/);
  await m2.stop();
  await h.cleanup();
});

test("a container removed behind the manager's back is recreated", async () => {
  const p = makePod('recreated', [{ name: 'c', command: ['sleep', '3600'] }]);
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p]));
  await waitFor(running(uid(p)), { timeoutMs: 20_000, what: 'Running' });
  const [c] = await h.containers();
  await h.runtime.removeContainer(c.id, { force: true });
  await waitFor(async () => (await h.containers()).some((x) => x.id !== c.id && x.state === 'running'), {
    timeoutMs: 10_000,
    what: 'a new container',
  });
  await m.stop();
  await h.cleanup();
});

test('ghost containers (pod uid not desired) are stopped and removed', async () => {
  const dataDir = tempDir();
  const ghost = makePod('ghost', [{ name: 'c', command: ['sleep', '3600'] }], {
    terminationGracePeriodSeconds: 0,
  });
  const m1 = h.manager({ dataDir });
  await m1.start();
  m1.setDesired(h.desired([ghost]));
  await waitFor(running(uid(ghost)), { timeoutMs: 20_000, what: 'Running' });
  await m1.stop();
  const keep = makePod('keep', [{ name: 'c', command: ['sleep', '3600'] }]);
  const m2 = h.manager({ ghostGraceSeconds: 0 }); // fresh data dir: knows nothing of the ghost
  m2.setDesired(h.desired([keep]));
  await m2.start();
  await waitFor(
    async () => {
      const cs = await h.containers();
      return cs.length === 1 && cs[0].labels[LABEL_POD_UID] === uid(keep);
    },
    { timeoutMs: 15_000, what: 'ghost gone, keep running' },
  );
  await m2.stop();
  await h.cleanup();
});

test('imagePullPolicy Always from the local registry: Pulling and Pulled events', async () => {
  const p = makePod('pull', [
    { name: 'c', image: REGISTRY_IMAGE, imagePullPolicy: 'Always', command: ['sleep', '3600'] },
  ]);
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p]));
  await waitFor(running(uid(p)), { timeoutMs: 30_000, what: 'Running' });
  assert.is(h.eventsOf(uid(p), 'Pulling')[0]?.message, `Pulling image "${REGISTRY_IMAGE}"`);
  assert.match(
    h.eventsOf(uid(p), 'Pulled')[0]?.message ?? '',
    /^Successfully pulled image "127\.0\.0\.1:5000\/drover-test\/busybox:1" in [\d.]+s\. Image size: \d+ bytes\.$/,
  );
  await m.stop();
  await h.cleanup();
});

test('pull failure: ErrImagePull, then ImagePullBackOff', async () => {
  const p = makePod('nopull', [
    { name: 'c', image: '127.0.0.1:5000/drover-test/missing:1', command: ['sleep', '3600'] },
  ]);
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p]));
  const reasons = () =>
    h.reports
      .filter((r) => r.uid === uid(p))
      .map((r) => r.status.containerStatuses?.[0].state?.waiting?.reason);
  await waitFor(() => reasons().includes('ImagePullBackOff'), {
    timeoutMs: 15_000,
    what: 'ImagePullBackOff',
  });
  assert.is(reasons()[0], 'ErrImagePull');
  assert.is(h.status(uid(p))?.phase, 'Pending');
  assert.ok(h.eventsOf(uid(p), 'Failed').length >= 1);
  await m.stop();
  await h.cleanup();
});

test.run();
