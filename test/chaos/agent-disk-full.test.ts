// Chaos: the agent's disk fills up, real processes. The agent's data dir is a small tmpfs of
// its own; a file fills it to the last byte. Checked: the node says so (DiskPressure=True,
// reason KubeletHasDiskPressure, with the numbers) and stays Ready; when the file goes,
// DiskPressure turns False and a pod created while the disk was full runs, once.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hubApiClient } from '../../bench/lib/hub-client.js';
import type { Node, Pod } from '../../shared/api/types.js';
import { type HubProcess, killAll, startAgentProcess, startHubProcess } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { RUN_ID, containersOf, removeContainersOf, sleepPod } from './node-fixtures.js';
import { ChaosCase } from './chaos-case.js';

const NODE = `chaos-disk-${RUN_ID}`;
const TMPFS_SIZE = '8m';
const mnt = join(tempDir('drover-chaos-disk-'), 'data');
let mounted = false;
let hub: HubProcess;

test.after(async () => {
  await killAll();
  if (mounted) spawnSync('umount', ['-l', mnt]);
  await removeContainersOf(NODE);
  cleanupTempDirs();
});

const containers = () => containersOf(NODE);

function disk(n: Node | undefined) {
  return n?.status?.conditions?.find((c) => c.type === 'DiskPressure');
}

test('agent disk full: DiskPressure with the numbers, Ready kept; space back: condition clears, waiting pod runs', async () => {
  const cc = new ChaosCase('agent-disk-full', "the agent's disk full");
  mkdirSync(mnt, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', mnt]);
  mounted = true;
  hub = await startHubProcess({ args: ['--heartbeat-interval', '1s', '--node-grace', '5s'] });
  const api = hubApiClient(hub.dataDir);
  const agent = startAgentProcess({
    hub,
    name: NODE,
    dataDir: mnt,
    // The kubelet keeps a pressure condition True for 5 min after the threshold is no longer
    // met (--eviction-pressure-transition-period); this case checks the clearing at once.
    args: ['--heartbeat-interval', '1s', '--eviction-pressure-transition-period', '0s'],
  });
  const fail = (e: Error) => {
    throw new Error(`${e.message}\nagent output:\n${agent.output().slice(-4000)}`);
  };
  const node = () => api.get<Node>('nodes', undefined, NODE);
  await waitFor(async () => disk(await node())?.status === 'False', {
    timeoutMs: 30_000,
    what: 'DiskPressure=False',
  }).catch(fail);
  cc.did(`agent data dir on its own ${TMPFS_SIZE} tmpfs`);

  spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'fill')}`, 'bs=64k']); // ends with ENOSPC
  cc.did('filled the data dir filesystem to the last byte (dd until ENOSPC)');
  const full = await waitFor(
    async () => {
      const n = await node();
      return disk(n)?.status === 'True' ? n : undefined;
    },
    { timeoutMs: 30_000, what: 'DiskPressure=True' },
  ).catch(fail);
  const cond = disk(full);
  assert.is(cond?.reason, 'KubeletHasDiskPressure');
  assert.match(cond?.message ?? '', /nodefs\.available below 10%: threshold quantity \d+Mi, available 0Mi/);
  assert.is(full.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'still Ready');
  cc.checked(`node condition DiskPressure=True reason ${cond?.reason}: "${cond?.message}"; Ready stays True`);

  await api.create<Pod>('pods', 'default', sleepPod('disk-wait', NODE, { chaos: 'disk' }));
  cc.did('created a pod for the node while its disk is full');

  rmSync(join(mnt, 'fill'));
  cc.did('removed the fill file');
  await waitFor(async () => disk(await node())?.status === 'False', {
    timeoutMs: 30_000,
    what: 'DiskPressure=False again',
  }).catch(fail);
  await waitFor(
    async () => (await api.get<Pod>('pods', 'default', 'disk-wait')).status?.phase === 'Running',
    {
      timeoutMs: 60_000,
      what: 'the pod Running after space returned',
    },
  ).catch(fail);
  assert.is((await containers()).length, 1);
  cc.checked('DiskPressure=False once space returned; the pod created meanwhile Running with one container');
  await agent.stop();
  await hub.stop();
  cc.pass();
});

test.run();
