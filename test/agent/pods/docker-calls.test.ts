// What a pod costs in Docker calls, counted on the wire by a proxy in front of the real engine
// (bench/lib/docker-proxy.ts): a new pod is create + start + one inspect, its image inspected
// only for the first pod that uses it; an idle node asks nothing; an exit is seen from the
// event stream (no poll) and restarts the container.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DockerProxy } from '../../../bench/lib/docker-proxy.js';
import { DockerRuntime } from '../../../agent/runtime/docker.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';
import { Harness, makePod, uid } from './harness.js';

const proxy = new DockerProxy(join(tempDir('drover-calls-'), 'docker.sock'));
const h = new Harness('pods-calls');

test.before(() => proxy.listen());
// The previous test's pods would be ghosts to the next manager (stopped with a 30 s grace).
test.before.each(() => h.cleanup());
test.after(async () => {
  await h.cleanup();
  await proxy.close();
  cleanupTempDirs();
});

function callsSince(i: number): string[] {
  return proxy.calls
    .slice(i)
    .map((c) => c.kind)
    .filter((k) => k !== 'GET events')
    .sort();
}

test('pods cost create + start + inspect (sandbox and container); the image is inspected once; idle costs nothing', async () => {
  const m = h.manager({
    runtime: new DockerRuntime({ socketPath: proxy.path }),
    resyncIntervalMs: 3_600_000,
  });
  await m.start();
  const a = makePod('calls-a', [{ name: 'c', command: ['sleep', '3600'] }]);
  let i = proxy.calls.length;
  m.setDesired(h.desired([a]));
  const running = (p: typeof a) => () => h.status(uid(p))?.phase === 'Running';
  await waitFor(running(a), { timeoutMs: 20_000, what: 'a Running' });
  // The sandbox (pause container) and the container: each costs create + start + inspect, and
  // each image (pause and busybox) one inspect.
  assert.equal(callsSince(i), [
    'GET image inspect',
    'GET image inspect',
    'GET inspect',
    'GET inspect',
    'POST create',
    'POST create',
    'POST start',
    'POST start',
  ]);

  const b = makePod('calls-b', [{ name: 'c', command: ['sleep', '3600'] }]);
  i = proxy.calls.length;
  m.setDesired(h.desired([a, b]));
  await waitFor(running(b), { timeoutMs: 20_000, what: 'b Running' });
  assert.equal(callsSince(i), [
    'GET inspect',
    'GET inspect',
    'POST create',
    'POST create',
    'POST start',
    'POST start',
  ]);

  // Idle: the pods' events have all been handled once b's status says Running; nothing is polled.
  i = proxy.calls.length;
  await new Promise((r) => setTimeout(r, 2500)); // the old exit poll ran every 2 s: it would show here
  assert.equal(callsSince(i), []);
  await m.stop();
});

test('an exit is seen from the event stream and the container restarted, without a list', async () => {
  const m = h.manager({
    runtime: new DockerRuntime({ socketPath: proxy.path }),
    resyncIntervalMs: 3_600_000,
    crashBackoff: { initialMs: 200, maxMs: 400 },
  });
  await m.start();
  const p = makePod('calls-exit', [{ name: 'c', command: ['sh', '-c', 'sleep 1; exit 2'] }]);
  const i = proxy.calls.length;
  m.setDesired(h.desired([p]));
  await waitFor(() => (h.status(uid(p))?.containerStatuses?.[0].restartCount ?? 0) >= 1, {
    timeoutMs: 20_000,
    what: 'restarted once',
  });
  const kinds = callsSince(i);
  assert.not.ok(kinds.includes('GET list'), `no list: ${kinds.join(', ')}`);
  assert.ok(kinds.filter((k) => k === 'POST create').length >= 2, kinds.join(', '));
  const st = h.status(uid(p))?.containerStatuses?.[0];
  assert.is(st?.lastState?.terminated?.exitCode ?? st?.state?.terminated?.exitCode, 2);
  await m.stop();
});

test.run();
