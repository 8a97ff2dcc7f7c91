// Memory-pressure eviction on a real agent, hub and Docker engine (#18), bounded so the shared
// machine never starves: the agent's pods go under a cgroup of their own limited to 200 MiB
// (`--pods-cgroup`), whose limit minus working set is memory.available, with
// `--eviction-hard memory.available<140Mi` and a 1 s monitoring interval. A BestEffort pod
// that holds about 70 MB trips it: the agent reports MemoryPressure True, evicts that pod
// (phase Failed, reason Evicted, upstream's message naming memory) and not the Burstable pod
// beside it (within its request: ranked after), and MemoryPressure goes back to False.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cgroupMemory } from '../../agent/pressure/cgroup-memory.js';
import type { Node } from '../../shared/api/types.js';
import { getJson } from '../helpers/api.js';
import { waitFor } from '../helpers/wait.js';
import { assertOnlyEvicted, boundPod } from './eviction-checks.js';
import { Cluster, running } from './pods-harness.js';

const NODE = 'npmem-a';
const CGROUP = `/drover-npmem-${process.pid}`;
/** The cgroup's memory limit, bytes. */
const LIMIT = 200 * 1024 * 1024;
const c = new Cluster(
  [{ name: NODE }],
  [
    '--pods-cgroup',
    CGROUP,
    '--eviction-hard',
    'memory.available<140Mi',
    '--eviction-monitoring-interval',
    '1s',
    '--eviction-pressure-transition-period',
    '2s',
    '--status-interval',
    '1s',
  ],
);

test.before(async () => {
  // cgroup v1 here (Docker's cgroupfs driver); on v2 the limit would be memory.max.
  const v1 = `/sys/fs/cgroup/memory${CGROUP}`;
  if (existsSync('/sys/fs/cgroup/memory')) {
    mkdirSync(v1);
    writeFileSync(`${v1}/memory.limit_in_bytes`, String(LIMIT));
  } else {
    mkdirSync(`/sys/fs/cgroup${CGROUP}`);
    writeFileSync(`/sys/fs/cgroup${CGROUP}/memory.max`, String(LIMIT));
  }
  await c.start();
});
test.after(async () => {
  await c.stop();
  // Empty once the containers are gone: every controller's directory of ours goes.
  for (const ctl of existsSync('/sys/fs/cgroup/memory') ? readdirSync('/sys/fs/cgroup') : ['']) {
    const dir = `/sys/fs/cgroup/${ctl}${CGROUP}`.replace('//', '/');
    if (!existsSync(dir)) continue;
    try {
      for (const sub of readdirSync(dir, { withFileTypes: true }))
        if (sub.isDirectory()) rmdirSync(`${dir}/${sub.name}`);
      rmdirSync(dir);
    } catch {
      execFileSync('find', [dir, '-depth', '-type', 'd', '-delete']);
    }
  }
});

const nodeObj = () => getJson<Node>(c.hub.apiUrl, `/api/v1/nodes/${NODE}`);
const pressure = async () =>
  (await nodeObj()).status?.conditions?.find((x) => x.type === 'MemoryPressure')?.status;

const POD = (name: string, command: string, extra = '') => boundPod(NODE, name, command, extra);

test('a pod holding memory past the threshold is evicted with reason Evicted; the pod within its request stays', async () => {
  assert.is(await pressure(), 'False', 'an idle pods cgroup is far from the threshold');
  const quiet = POD(
    'quiet',
    'exec sleep 3600',
    `    resources:
      requests:
        memory: 32Mi
`,
  );
  assert.is((await c.apply(quiet)).code, 0);
  const q0 = await c.waitPod('quiet', running, 'Running', 30_000);
  const quietId = q0.status?.containerStatuses?.[0]?.containerID;
  const before = await cgroupMemory(CGROUP);
  assert.ok(before && before.capacity === LIMIT, `the agent's view of ${CGROUP}: ${JSON.stringify(before)}`);
  assert.ok(before.available > 140 * 1024 * 1024, `available before: ${before.available}`);

  // About 70 MB held in an awk string while awk waits on sleep.
  const hog = POD('hog', `awk 'BEGIN { s = sprintf("%70000000s", ""); system("sleep 3600") }'`);
  assert.is((await c.apply(hog)).code, 0);
  // Watched together: the node's MemoryPressure (True for the 2 s transition period at least)
  // and the hog's eviction.
  let sawPressure = false;
  let hogStatus: unknown;
  const h = await waitFor(
    async () => {
      if ((await pressure()) === 'True') sawPressure = true;
      const p = await c.pod('hog');
      hogStatus = p.status;
      return p.status?.reason === 'Evicted' && sawPressure ? p : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: 'MemoryPressure True and the hog evicted' },
  ).catch((e: Error) => {
    throw new Error(
      `${e.message}; MemoryPressure True seen: ${sawPressure}; the hog's status: ${JSON.stringify(hogStatus)}`,
    );
  });
  assert.is(h.status?.phase, 'Failed');
  assert.match(
    h.status?.message ?? '',
    /^The node was low on resource: memory\. Threshold quantity: 143360Ki, available: \d+Ki\. Container main was using \d+Ki, request is 0, has larger consumption of memory\. $/,
    h.status?.message,
  );
  await waitFor(async () => (await pressure()) === 'False', {
    timeoutMs: 20_000,
    what: 'MemoryPressure back to False',
  });
  const after = await cgroupMemory(CGROUP);
  assert.ok(after && after.available > 140 * 1024 * 1024, `available after: ${after?.available}`);
  // The quiet pod was never touched: same container, still running, no restart.
  await assertOnlyEvicted(c, 'hog', { name: 'quiet', containerID: quietId });
});

test.run();
