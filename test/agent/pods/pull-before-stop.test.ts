// Pull before stop on the real engine (#18): a container whose image changes, and a pod being
// replaced that names its replacement's images (drover.io/next-images), keep running while
// the new image's pull is held at the registry, and are stopped only after it completes; a
// pull the registry refuses leaves them running with the registry's message in the events.
import Docker from 'dockerode';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { NEXT_IMAGES_ANNOTATION } from '../../../shared/api/next-images.js';
import type { Pod } from '../../../shared/api/types.js';
import { StallingRegistry } from '../../helpers/stalling-registry.js';
import { cleanupTempDirs } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';
import { Harness, IMAGE, makePod, uid } from './harness.js';

const h = new Harness('pods-pull-before-stop');
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
let reg: StallingRegistry;
let next = '';

test.before(async () => {
  await h.cleanup();
  reg = await StallingRegistry.start();
  next = reg.image('drover-test/busybox:1');
});
test.before.each(() => h.cleanup());
test.after.each(async () => {
  reg.release();
  await docker
    .getImage(next)
    .remove()
    .catch(() => {});
});
test.after(async () => {
  await h.cleanup();
  await reg.stop();
  cleanupTempDirs();
});

const sleeper = (name: string, image: string): Pod =>
  makePod(name, [{ name: 'app', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }], {
    terminationGracePeriodSeconds: 0,
  });

async function appContainers(u: string) {
  return (await h.containers()).filter(
    (c) => c.labels['io.drover.pod.uid'] === u && c.labels['io.drover.container.name'] === 'app',
  );
}

async function runningApp(u: string) {
  const list = (await appContainers(u)).filter((c) => c.state === 'running');
  return list.length === 1 ? list[0] : undefined;
}

test('image change: the old container runs while the pull is held, the new one starts after', async () => {
  const p = sleeper('inplace', IMAGE);
  // Every event counts here (the second "Started container app" is the switch).
  const m = h.manager({ eventDedupeMs: 0 });
  await m.start();
  m.setDesired(h.desired([p]));
  const old = await waitFor(() => runningApp(uid(p)), { timeoutMs: 20_000, what: 'the first container' });
  reg.mode = 'hold';
  const changed = structuredClone(p);
  changed.spec.containers[0].image = next;
  m.setDesired(h.desired([changed]));
  await waitFor(() => reg.manifestRequests > 0, { what: 'the pull reaches the registry' });
  // The pull is in progress: the old container is the one running, nothing was stopped.
  assert.is((await runningApp(uid(p)))?.id, old.id);
  assert.is(h.eventsOf(uid(p), 'Killing').length, 0);
  assert.ok(h.eventsOf(uid(p), 'PullingBeforeStop').length >= 1);
  reg.release();
  const now = await waitFor(
    async () => {
      const c = await runningApp(uid(p));
      return c && c.id !== old.id ? c : undefined;
    },
    { timeoutMs: 20_000, what: 'the new container running' },
  );
  assert.is(now.image, next);
  // Order: pulled, then the old one stopped, then the new one started.
  const reasons = await waitFor(
    () => {
      const r = h.eventsOf(uid(p)).map((e) => e.reason);
      return r.lastIndexOf('Started') > r.indexOf('Killing') ? r : undefined;
    },
    { what: 'the Started event of the new container' },
  );
  const pulled = h
    .eventsOf(uid(p))
    .findIndex((e) => e.message.startsWith(`Successfully pulled image "${next}"`));
  assert.ok(pulled >= 0 && pulled < reasons.indexOf('Killing'), reasons.join(','));
  assert.ok(reasons.indexOf('Killing') < reasons.lastIndexOf('Started'), reasons.join(','));
  await m.stop();
});

test('a refused pull leaves the old container running, with the registry message in the events', async () => {
  const p = sleeper('refused', IMAGE);
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p]));
  const old = await waitFor(() => runningApp(uid(p)), { timeoutMs: 20_000, what: 'the first container' });
  reg.mode = 'fail';
  const changed = structuredClone(p);
  changed.spec.containers[0].image = next;
  m.setDesired(h.desired([changed]));
  const failed = await waitFor(
    () => h.eventsOf(uid(p), 'Failed').find((e) => e.message.startsWith('Failed to pull image')),
    { timeoutMs: 20_000, what: 'a Failed pull event' },
  );
  assert.match(failed.message, next);
  assert.match(failed.message, /under maintenance|503|unavailable/i);
  // A second attempt (the backoff is 1 s here) fails too, and the old container still runs.
  const seen = reg.manifestRequests;
  await waitFor(() => reg.manifestRequests > seen, { timeoutMs: 10_000, what: 'a retry after the backoff' });
  assert.is((await runningApp(uid(p)))?.id, old.id);
  assert.is(h.eventsOf(uid(p), 'Killing').length, 0);
  assert.is(h.status(uid(p))?.containerStatuses?.[0]?.state?.running !== undefined, true);
  await m.stop();
});

test('a pod being replaced keeps serving until its replacement images are pulled, then terminates', async () => {
  const p = sleeper('replaced', IMAGE);
  const m = h.manager();
  await m.start();
  m.setDesired(h.desired([p]));
  const old = await waitFor(() => runningApp(uid(p)), { timeoutMs: 20_000, what: 'the first container' });
  reg.mode = 'hold';
  const deleting = structuredClone(p);
  deleting.metadata.deletionTimestamp = new Date().toISOString();
  deleting.metadata.deletionGracePeriodSeconds = 0;
  deleting.metadata.annotations = { [NEXT_IMAGES_ANNOTATION]: next };
  m.setDesired(h.desired([deleting]));
  await waitFor(() => reg.manifestRequests > 0, { what: 'the pull reaches the registry' });
  assert.is((await runningApp(uid(p)))?.id, old.id);
  assert.is(h.status(uid(p))?.phase, 'Running');
  reg.release();
  await waitFor(async () => (await runningApp(uid(p))) === undefined, {
    timeoutMs: 20_000,
    what: 'the old container stopped',
  });
  assert.ok(await h.runtime.imageExists(next), 'the replacement image is on the board');
  await waitFor(() => ['Succeeded', 'Failed'].includes(h.status(uid(p))?.phase ?? ''), {
    what: 'a final status',
  });
  await m.stop();
});

test.run();
