// Node-pressure eviction on a real agent, hub and Docker engine (#18): the agent's data dir is
// a 64 MiB tmpfs (its nodefs), the agent runs with `--eviction-hard nodefs.available<24Mi`
// and a 1 s monitoring interval. A BestEffort pod fills its emptyDir (on that tmpfs) with
// 48 MB; the eviction manager evicts it (phase Failed, reason Evicted, upstream's message
// naming ephemeral-storage) and not the quiet pod beside it, which keeps its container; the
// evicted pod's directory goes, so the space comes back. No images are reclaimed: the
// engine's images are not on the tmpfs (upstream reclaims images for nodefs only without a
// dedicated imagefs).

import { execFileSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diskSpace } from '../../agent/pressure/disk.js';
import type { KubeList, KubeObject } from '../../shared/api/types.js';
import { getJson } from '../helpers/api.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { assertOnlyEvicted, boundPod } from './eviction-checks.js';
import { Cluster, running } from './pods-harness.js';

const NODE = 'npe-a';
const c = new Cluster([{ name: NODE }]);
let mounted: string | undefined;

test.before(async () => {
  await c.start();
  // The joined agent's data dir moves onto a small tmpfs (its credential copied across).
  const agent = c.agents[NODE];
  await agent.stop('SIGTERM');
  const keep = tempDir('npe-keep-');
  execFileSync('cp', ['-a', `${agent.dataDir}/.`, keep]);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', agent.dataDir]);
  mounted = agent.dataDir;
  execFileSync('cp', ['-a', `${keep}/.`, agent.dataDir]);
  c.startAgent(NODE, {
    args: [
      '--eviction-hard',
      'nodefs.available<24Mi',
      '--eviction-monitoring-interval',
      '1s',
      '--eviction-pressure-transition-period',
      '0s',
    ],
  });
});
test.after(async () => {
  // Nothing may hold the tmpfs when it is unmounted, and it must go before the temp dirs do.
  await c.agents[NODE]?.stop('SIGKILL');
  await c.removeContainers();
  if (mounted) execFileSync('umount', ['-l', mounted]);
  await c.stop();
});

const POD = (name: string, command: string, extra = '') => boundPod(NODE, name, command, extra);

test('a pod filling the node disk is evicted with reason Evicted; the quiet pod stays', async () => {
  const quiet = POD(
    'quiet',
    'exec sleep 3600',
    `    resources:
      requests:
        ephemeral-storage: 10Mi
`,
  );
  assert.is((await c.apply(quiet)).code, 0);
  const q0 = await c.waitPod('quiet', running, 'Running', 30_000);
  const quietId = q0.status?.containerStatuses?.[0]?.containerID;
  const writer = `${POD('writer', 'dd if=/dev/zero of=/scratch/fill bs=1M count=48; exec sleep 3600')}    volumeMounts:
    - name: scratch
      mountPath: /scratch
  volumes:
  - name: scratch
    emptyDir: {}
`;
  assert.is((await c.apply(writer)).code, 0);
  const w = await c.waitPod('writer', (p) => p.status?.reason === 'Evicted', 'evicted', 60_000);
  assert.is(w.status?.phase, 'Failed');
  assert.match(
    w.status?.message ?? '',
    /^The node was low on resource: ephemeral-storage\. Threshold quantity: 24576Ki, available: \d+Ki\. Pod writer was using \d+Ki of local storage, request is 0\. $/,
  );
  const events = await getJson<KubeList<KubeObject & { reason?: string; involvedObject: { name?: string } }>>(
    c.hub.apiUrl,
    '/api/v1/namespaces/default/events',
  );
  assert.ok(
    events.items.some((e) => e.involvedObject.name === 'writer' && e.reason === 'Evicted'),
    'an Evicted event on the pod',
  );
  // The evicted pod's directory is gone: the tmpfs has its space back.
  const dir = c.agents[NODE].dataDir;
  await waitFor(async () => ((await diskSpace(dir))?.availableBytes ?? 0) > 40 * 1024 * 1024, {
    what: 'the space back on the data dir',
  });
  // The quiet pod was never touched: same container, still running, no restart.
  await assertOnlyEvicted(c, 'writer', { name: 'quiet', containerID: quietId });
});

test.run();
