// Image GC on a real Docker Engine whose image store is a 256 MiB tmpfs
// (test/helpers/private-docker.ts), with a real hub and agent: three 24 MiB images are used by
// pods in turn, a stopped container of a pod that no longer exists is removed, and when a file
// fills the disk past the high threshold the agent removes the never-used image and then the
// least recently used one, keeps the running pod's image and the more recently used one, says
// so in a Node event, and leaves the disk below the low threshold. Thresholds are computed from
// the measured use so exactly two images must go.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diskSpace } from '../../agent/pressure/disk.js';
import { type PrivateDocker, startPrivateDocker } from '../helpers/private-docker.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { Cluster, IMAGE, podYaml, running } from './pods-harness.js';

const MiB = 1024 * 1024;
const NODE = 'gc-a';
const BIG = ['gc/big-1:1', 'gc/big-2:1', 'gc/big-3:1'];
const FILLER_MiB = 48;

let d: PrivateDocker;
let c: Cluster;
let low = 0;

async function used(): Promise<number> {
  const s = await diskSpace(d.root);
  if (!s) throw new Error('cannot measure the tmpfs');
  return s.totalBytes - s.availableBytes;
}
const pct = (bytes: number) => Math.floor((bytes * 100) / d.sizeBytes);

/** busybox plus 24 MiB of random bytes, as one imported layer. */
function importBig(name: string): void {
  const dir = tempDir('drover-gc-img-');
  mkdirSync(join(dir, 'bin'));
  copyFileSync(execFileSync('sh', ['-c', 'command -v busybox']).toString().trim(), join(dir, 'bin/busybox'));
  for (const a of ['sh', 'sleep']) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(
    join(dir, 'blob'),
    execFileSync('head', ['-c', String(24 * MiB), '/dev/urandom'], { maxBuffer: 32 * MiB }),
  );
  const tar = execFileSync('tar', ['-C', dir, '-c', '.'], { maxBuffer: 32 * MiB });
  d.cli(['import', '-c', 'ENV PATH=/bin', '-', name], tar);
  rmSync(dir, { recursive: true, force: true });
}

const has = async (name: string) =>
  d.docker
    .getImage(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );

test.before(async () => {
  d = await startPrivateDocker(256);
  d.cli(['load', '-q'], execFileSync('docker', ['save', IMAGE], { maxBuffer: 64 * MiB }));
  for (const b of BIG) importBig(b);
  const u0 = await used();
  const size = (await d.docker.getImage(BIG[0]).inspect()).Size;
  // GC must not start before the filler (high above today's use + a margin), and must free
  // more than one big image but not more than two (low 1.5 images below the filled use).
  const high = pct(u0 + 16 * MiB) + 1;
  low = pct(u0 + FILLER_MiB * MiB - 1.5 * size);
  c = new Cluster(
    [{ name: NODE }],
    [
      '--docker-socket',
      d.socket,
      '--image-gc-high-threshold',
      String(high),
      '--image-gc-low-threshold',
      String(low),
      '--image-minimum-gc-age',
      '0s',
      '--image-gc-period',
      '1s',
    ],
    // The agent's debug line per GC pass tells the test a pass has run.
    { DROVER_LOG_LEVEL: 'debug' },
  );
  await c.start();
});
test.after(async () => {
  await c?.stop();
  await d?.stop();
});

const hostPod = (name: string, image: string) =>
  podYaml({ name, image, command: 'exec sleep 3600', spec: '  hostNetwork: true\n' });

async function nodeEvents(reason: string): Promise<string[]> {
  const r = await c.k(['get', 'events', '--field-selector', `involvedObject.name=${NODE}`, '-o', 'json']);
  const items = (JSON.parse(r.stdout) as { items: { reason: string; message: string }[] }).items;
  return items.filter((e) => e.reason === reason).map((e) => e.message);
}

async function deletePod(name: string): Promise<void> {
  assert.is((await c.k(['delete', 'pod', name, '--wait=true'], 40_000)).code, 0);
  await waitFor(
    async () =>
      (await d.docker.listContainers({ all: true, filters: { label: [`io.drover.pod.name=${name}`] } }))
        .length === 0,
    {
      what: `containers of ${name} gone`,
    },
  );
}

test('LRU image GC down to the low threshold; running and recently used images kept; dead containers removed', async () => {
  for (const [name, image] of [
    ['keeper', IMAGE],
    ['use-1', BIG[0]],
    ['use-2', BIG[1]],
  ]) {
    assert.is((await c.apply(hostPod(name, image))).code, 0);
    await c.waitPod(name, running, 'Running', 30_000);
  }
  await deletePod('use-1');
  // Two GC passes after use-1 is gone while use-2 still runs: big-2 is now more recently used.
  const passes = () => c.agents[NODE].output().split('image gc pass').length;
  const before = passes();
  await waitFor(() => passes() >= before + 2, { what: 'two image GC passes' });
  // A stopped container left by a pod that no longer exists (e.g. deleted while the agent was
  // down) is removed (by the pod manager, as a ghost).
  const left = await d.docker.createContainer({
    Image: IMAGE,
    Cmd: ['true'],
    Labels: { 'io.drover.node': NODE, 'io.drover.pod.uid': 'gone-pod-uid', 'io.drover.pod.name': 'gone' },
    HostConfig: { NetworkMode: 'host' },
  });
  await waitFor(
    () =>
      left.inspect().then(
        () => false,
        () => true,
      ),
    { what: 'the dead container removed by the agent' },
  );
  await deletePod('use-2');
  assert.ok(await has(BIG[2]), 'nothing removed before the disk fills');

  writeFileSync(join(d.root, 'filler'), Buffer.alloc(FILLER_MiB * MiB, 1));
  try {
    const msg = await waitFor(async () => (await nodeEvents('FreedDiskSpace'))[0], {
      timeoutMs: 20_000,
      what: 'FreedDiskSpace event',
    });
    assert.is(await has(BIG[2]), false, 'never-used image removed');
    assert.is(await has(BIG[0]), false, 'least recently used image removed');
    assert.is(await has(BIG[1]), true, 'more recently used image kept (enough was freed)');
    assert.is(await has(IMAGE), true, "the running pod's image kept");
    assert.match(msg, /gc\/big-3:1 \(\d+\.\d MiB\), gc\/big-1:1 \(/);
    assert.ok(pct(await used()) < low, `below the low threshold ${low}%: ${pct(await used())}%`);
    assert.equal(await nodeEvents('FreeDiskSpaceFailed'), []);
  } finally {
    unlinkSync(join(d.root, 'filler'));
  }
});

test.run();
