// The built image on real parts (npm run test:image; not in `npm test`: it needs a built
// image). The file: MBR, FAT label and boot files, units enabled in the ext4 root. The system:
// the image's own Debian Node 18 runs first boot and the bundled agent under qemu-user in a
// chroot of the image's root tree, against a real hub on loopback, with drover.json taken
// from the image's boot partition; the node joins as arm64, heartbeats and runs a pod on the
// host's Docker; first boot then removes the token, and the boot partition holds no token.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { IMAGE_DEFAULTS } from '../../firmware-images/build/options.js';
import { imagePaths } from '../../firmware-images/build/main.js';
import { apiFetch, getJson } from '../helpers/api.js';
import {
  drover,
  type HubProcess,
  killAll,
  kubectl,
  parseTable,
  type Proc,
  startHubProcess,
} from '../helpers/procs.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { chrootSpawn, unitCommand } from './chroot.js';
import { debugfs, fatRef, mtools, partitions } from './image-file.js';

const paths = imagePaths({ outDir: IMAGE_DEFAULTS.outDir, arch: 'arm64', board: { name: 'rpi4' } });
const root = paths.rootfs;
const NODE = 'fw-arm64';
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
let hub: HubProcess;
const work = tempDir('drover-image-test-');

/** A pristine board: nothing from an earlier run of this test in the (kept) root tree. */
function resetBoardState(): void {
  for (const p of [
    'etc/drover',
    'var/lib/drover',
    'var/lib/drover-agent',
    'boot/firmware/drover.json',
    'etc/hostname',
  ])
    rmSync(join(root, p), { recursive: true, force: true });
}

/** The boot partition as the board sees it at /boot/firmware: drover.json copied out of the image. */
function bootToChroot(): void {
  mkdirSync(join(root, 'boot/firmware'), { recursive: true });
  mtools('mcopy', [
    '-o',
    '-n',
    '-i',
    fatRef(paths.image),
    '::/drover.json',
    join(root, 'boot/firmware/drover.json'),
  ]);
}

/** ...and back, as the mounted partition would hold it after first boot wrote it. */
function bootFromChroot(): void {
  mtools('mcopy', [
    '-o',
    '-n',
    '-i',
    fatRef(paths.image),
    join(root, 'boot/firmware/drover.json'),
    '::/drover.json',
  ]);
}

async function firstboot(): Promise<{ code: number | NodeJS.Signals | null; output: string; p: Proc }> {
  const { argv } = unitCommand(root, 'drover-firstboot.service');
  const p = chrootSpawn({ root }, argv[0], argv.slice(1));
  const code = await p.exited;
  return { code, output: p.output(), p };
}

async function removeContainers(): Promise<void> {
  // The agent may remove it first (the pod's deletion): gone is what we want.
  for (const c of await docker.listContainers({ all: true, filters: { label: [`io.drover.node=${NODE}`] } }))
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch((e: { statusCode?: number }) => {
        if (e.statusCode !== 404) throw e;
      });
}

test.before(async () => {
  try {
    assert.ok(
      existsSync(paths.image),
      `${paths.image} missing: run npm run test:image (it builds the image)`,
    );
    assert.ok(existsSync(root), `${root} missing: build with --keep-rootfs`);
    resetBoardState();
    await removeContainers();
    hub = await startHubProcess({ args: ['--heartbeat-interval', '1s'] });
  } catch (e) {
    console.error('image test setup failed:', e);
    throw e;
  }
});

test.after(async () => {
  await killAll();
  await removeContainers();
  rmSync(work, { recursive: true, force: true });
});

test('image file: MBR with a bootable FAT32 partition at 4 MiB and a Linux root after it', () => {
  const t = partitions(paths.image);
  assert.is(t.label, 'dos');
  assert.is(t.partitions.length, 2);
  const [boot, rootPart] = t.partitions;
  assert.is(boot.start, 8192);
  assert.is(boot.type, 'c');
  assert.is(boot.bootable, true);
  assert.is(rootPart.type, '83');
  assert.is(rootPart.start, boot.start + boot.size);
  assert.is(statSync(paths.image).size, (rootPart.start + rootPart.size) * 512);
});

test('boot partition: label DROVERBOOT, Pi firmware, the Debian kernel and initrd, config.txt and cmdline.txt by label', () => {
  const ref = fatRef(paths.image);
  assert.match(mtools('mlabel', ['-s', '-i', ref]), /Volume label is DROVERBOOT\b/);
  const files = mtools('mdir', ['-b', '-i', ref, '::/']);
  for (const f of [
    'start4.elf',
    'fixup4.dat',
    'bootcode.bin',
    'bcm2711-rpi-4-b.dtb',
    'config.txt',
    'cmdline.txt',
  ])
    assert.match(files, new RegExp(`/${f.replace('.', '\\.')}\\b`), `${f} on the boot partition:\n${files}`);
  assert.match(files, /vmlinuz-\d/);
  assert.match(files, /initrd\.img-\d/);
  const config = mtools('mtype', ['-i', ref, '::/config.txt']);
  assert.match(config, /arm_64bit=1/);
  assert.match(config, /kernel=vmlinuz-/);
  assert.match(mtools('mtype', ['-i', ref, '::/cmdline.txt']), /root=LABEL=drover-root /);
});

test('root file system: units enabled, agent and first boot installed, no SSH host keys or machine-id baked in', () => {
  const wants = debugfs(paths.image, 'ls -l /etc/systemd/system/multi-user.target.wants');
  for (const u of ['drover-agent.service', 'drover-firstboot.service', 'docker.service', 'ssh.service'])
    assert.match(wants, new RegExp(u.replace('.', '\\.')), `${u} enabled:\n${wants}`);
  assert.match(
    debugfs(paths.image, 'stat /etc/systemd/system/multi-user.target.wants/drover-agent.service'),
    /Fast link dest: "\/etc\/systemd\/system\/drover-agent.service"/,
  );
  const lib = debugfs(paths.image, 'ls /usr/lib/drover');
  assert.match(lib, /drover-agent\.cjs/);
  assert.match(lib, /firstboot\.mjs/);
  assert.not.match(debugfs(paths.image, 'ls /etc/ssh'), /ssh_host_/);
  assert.match(debugfs(paths.image, 'stat /etc/machine-id'), /Size: 0\b/);
  const label = execFileSync(
    'dumpe2fs',
    ['-h', `${paths.image}?offset=${partitions(paths.image).partitions[1].start * 512}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ).toString();
  assert.match(label, /Filesystem volume name:\s+drover-root/);
});

test('first boot with no drover.json, then a bad one: one clear line each, exit 1 (systemd retries), nothing written', async () => {
  const missing = await firstboot();
  assert.is(missing.code, 1, missing.output);
  const lines = missing.output
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('drover-firstboot: bad board config'));
  assert.is(lines.length, 1, missing.output);
  assert.match(lines[0], /drover\.json: missing: write it with `drover image config/);

  writeFileSync(
    join(root, 'boot/firmware/drover.json'),
    JSON.stringify({ hub: 'http://hub:1883', token: 'nope' }),
  );
  const bad = await firstboot();
  assert.is(bad.code, 1, bad.output);
  assert.match(bad.output, /drover-firstboot: bad board config: hub: "http:\/\/hub:1883" must be mqtts:\/\//);
  assert.not.ok(existsSync(join(root, 'etc/drover/agent.json')), 'no agent config from a bad drover.json');
});

test('under qemu-user: first boot + the bundled agent on Debian Node 18 join from the boot partition config, arm64, heartbeat, run a pod; the token is gone after', async () => {
  // What a user does: drover image config > drover.json, copied onto the flashed boot partition.
  const cfg = await drover([
    'image',
    'config',
    '--hub',
    hub.mqttUrl,
    '--token',
    hub.token,
    '--ca-hash',
    hub.caHash,
    '--name',
    NODE,
    '--labels',
    'site=lab',
  ]);
  assert.is(cfg.code, 0, cfg.stderr);
  const file = join(work, 'drover.json');
  writeFileSync(file, cfg.stdout);
  mtools('mcopy', ['-o', '-i', fatRef(paths.image), file, '::/drover.json']);
  bootToChroot();

  const { argv } = unitCommand(root, 'drover-firstboot.service');
  const fb = chrootSpawn({ root }, argv[0], argv.slice(1));
  await waitFor(() => existsSync(join(root, 'etc/drover/agent.json')), {
    timeoutMs: 120_000,
    what: 'first boot writing the agent config',
  });

  // systemd would start drover-agent here (ConditionPathExists now true): run its ExecStart.
  const agentUnit = unitCommand(root, 'drover-agent.service');
  const agent = chrootSpawn({ root, env: agentUnit.env }, agentUnit.argv[0], [
    ...agentUnit.argv.slice(1),
    '--heartbeat-interval',
    '2s',
  ]);

  const fbCode = await fb.exited;
  assert.is(fbCode, 0, `first boot:\n${fb.output()}\nagent:\n${agent.output()}`);
  assert.match(fb.output(), new RegExp(`joined as ${NODE}`));

  const rows = await waitFor(
    async () => {
      const r = await kubectl(['get', 'nodes', '-L', 'kubernetes.io/arch'], { kubeconfig: hub.kubeconfig });
      const row = parseTable(r.stdout).find((x) => x.NAME === NODE);
      return row?.STATUS === 'Ready' ? row : undefined;
    },
    { timeoutMs: 120_000, what: `${NODE} Ready in kubectl get nodes\nagent:\n${agent.output()}` },
  );
  assert.is(rows.ARCH, 'arm64');
  const node = await getJson<{
    metadata: { labels: Record<string, string> };
    status: { nodeInfo: { architecture: string } };
  }>(hub.apiUrl, `/api/v1/nodes/${NODE}`);
  assert.is(node.metadata.labels['kubernetes.io/arch'], 'arm64');
  assert.is(node.metadata.labels['drover.io/site'], 'lab');
  assert.is(node.status.nodeInfo.architecture, 'arm64');

  // Heartbeats: the hub records more of them after the join (its only node is this board).
  const beats = async () => {
    const text = await (await apiFetch(hub.apiUrl, '/metrics')).text();
    return Number(/^drover_heartbeat_delay_seconds_count\s+(\d+)/m.exec(text)?.[1] ?? 0);
  };
  const before = await beats();
  await waitFor(async () => (await beats()) >= before + 2, {
    timeoutMs: 60_000,
    what: 'two more heartbeats at the hub',
  });

  // A pod on the board, through the host's Docker socket bound into the chroot.
  const pod = join(work, 'pod.yaml');
  writeFileSync(
    pod,
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: on-arm64\nspec:\n  nodeSelector:\n    kubernetes.io/hostname: ${NODE}\n  containers:\n  - name: c\n    image: drover-test/busybox:1\n    imagePullPolicy: IfNotPresent\n    command: ["sh", "-c", "echo hello from the board; sleep 3600"]\n`,
  );
  const applied = await kubectl(['apply', '-f', pod], { kubeconfig: hub.kubeconfig });
  assert.is(applied.code, 0, applied.stderr);
  await waitFor(
    async () => {
      const r = await kubectl(['get', 'pod', 'on-arm64', '-o', 'jsonpath={.status.phase}'], {
        kubeconfig: hub.kubeconfig,
      });
      return r.stdout === 'Running';
    },
    { timeoutMs: 120_000, what: `pod on-arm64 Running\nagent:\n${agent.output()}` },
  );
  const containers = await docker.listContainers({ filters: { label: [`io.drover.node=${NODE}`] } });
  assert.ok(containers.length >= 1, 'the pod runs as a container on the host Docker engine');
  const logs = await waitFor(
    async () => {
      const r = await kubectl(['logs', 'on-arm64'], { kubeconfig: hub.kubeconfig });
      return r.stdout.includes('hello from the board') ? r.stdout : undefined;
    },
    { timeoutMs: 30_000, what: 'pod logs' },
  );
  assert.match(logs, /hello from the board/);

  // The agent's resident memory, for the README (qemu-user: it includes the emulator's own).
  const rss = agentRssKiB();
  if (rss)
    console.log(`  agent RSS under qemu-user (emulated, includes qemu): ${Math.round(rss / 1024)} MiB`);

  // First boot's effects: no token on the boot partition (written back as the mount would)
  // nor in the agent's config; hostname; done marker; the file stays valid for the next boot.
  bootFromChroot();
  const onCard = mtools('mtype', ['-i', fatRef(paths.image), '::/drover.json']);
  assert.not.match(onCard, /token/);
  assert.not.match(onCard, new RegExp(hub.token.replace('.', '\\.')));
  assert.match(onCard, new RegExp(`"name": "${NODE}"`));
  const agentCfg = readFileSync(join(root, 'etc/drover/agent.json'), 'utf8');
  assert.not.match(agentCfg, /token/);
  assert.is(statSync(join(root, 'etc/drover/agent.json')).mode & 0o777, 0o600);
  assert.is(readFileSync(join(root, 'etc/hostname'), 'utf8').trim(), NODE);
  assert.ok(existsSync(join(root, 'var/lib/drover/firstboot.done')));
  await agent.stop('SIGTERM', 30_000);
});

/** VmRSS of the image's agent: the largest process whose command line runs drover-agent.cjs
 * (the unshare and sh wrappers name it too, with a few MiB). */
function agentRssKiB(): number | undefined {
  let max: number | undefined;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('/usr/lib/drover/drover-agent.cjs'))
        continue;
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) max = Math.max(max ?? 0, Number(m[1]));
    } catch {
      // gone
    }
  }
  return max;
}

test.run();
