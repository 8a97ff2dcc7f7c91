// Agent restarts end to end (real hub, a real agent, the real engine): kill -9 and restart
// adopts the running containers (same ids, no duplicates); with the hub stopped, a "rebooted"
// board (agent stopped, its containers removed) brings its pods back from the local cache,
// and reconciles with the hub when it returns.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeReady } from '../helpers/api.js';
import { startHubProcess } from '../helpers/procs.js';
import { holdsFor, waitFor } from '../helpers/wait.js';
import { Cluster, docker, podYaml, restarts, running } from './pods-harness.js';

const NODE = 'pau-a';
const c = new Cluster([{ name: NODE }]);

test.before(() => c.start());
test.after(() => c.stop());

const ids = async (pod: string) =>
  (await c.containersOf(pod))
    .filter((x) => x.State === 'running')
    .map((x) => x.Id)
    .sort();

test('kill -9 of the agent, then a restart: the running containers are adopted (same ids, no duplicates)', async () => {
  const r = await c.apply(podYaml({ name: 'keeper', command: 'exec sleep 3600' }));
  assert.is(r.code, 0, r.stderr);
  const p = await c.waitPod('keeper', running, 'Running');
  const before = await ids('keeper');
  assert.is(before.length, 1);
  assert.is(p.status?.containerStatuses?.[0]?.containerID, `docker://${before[0]}`);
  await c.agents[NODE].kill9();
  c.startAgent(NODE, { withToken: false });
  await waitFor(async () => (await nodeReady(c.hub.apiUrl, NODE)) === 'True', {
    timeoutMs: 15_000,
    what: 'node Ready after the restart',
  });
  // Several poll rounds of the restarted agent: nothing is recreated or duplicated.
  await holdsFor(async () => JSON.stringify(await ids('keeper')) === JSON.stringify(before), {
    durationMs: 5000,
    intervalMs: 250,
    what: 'same container ids',
  });
  assert.is((await c.containersOf('keeper')).length, 1, 'no extra (exited) container either');
  const after = await c.pod('keeper');
  assert.is(after.status?.phase, 'Running');
  assert.is(restarts(after), 0);
});

test('hub stopped, board rebooted (agent stopped, containers removed): the pods come back from the cache', async () => {
  const hub = c.hub;
  await hub.stop('SIGTERM');
  await c.agents[NODE].stop('SIGTERM');
  const old = await ids('keeper');
  assert.is(old.length, 1, 'the pod kept running while the agent was stopped');
  await Promise.all(
    (await c.containersOf('keeper', { withSandbox: true })).map((x) =>
      docker.getContainer(x.Id).remove({ force: true }),
    ),
  );
  assert.is((await c.containersOf('keeper', { withSandbox: true })).length, 0);

  c.startAgent(NODE, { withToken: false });
  const t0 = Date.now();
  const back = await waitFor(async () => ((await ids('keeper')).length === 1 ? ids('keeper') : undefined), {
    timeoutMs: 20_000,
    what: 'keeper running again without the hub',
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${c.tails()}`);
  });
  console.log(`  pod back from the cache, hub down, in ${Date.now() - t0} ms`);
  assert.is.not(back[0], old[0]);
  assert.match(c.agents[NODE].output(), /loaded from the local cache/);

  // The hub returns on the same ports: the agent reconnects and the hub sees the new container.
  c.hub = await startHubProcess({
    dataDir: hub.dataDir,
    args: [
      '--heartbeat-interval',
      '1s',
      '--node-grace',
      '5s',
      '--api-port',
      String(hub.apiPort),
      '--mqtt-port',
      String(hub.mqttPort),
    ],
  });
  const p = await c.waitPod(
    'keeper',
    (p) => p.status?.containerStatuses?.[0]?.containerID === `docker://${back[0]}`,
    'status names the recreated container',
    30_000,
  );
  assert.is(p.status?.phase, 'Running');
  await holdsFor(async () => (await ids('keeper')).length === 1, { durationMs: 2000, what: 'one container' });
});

test.run();
