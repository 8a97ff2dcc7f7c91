// Pull before stop (#18): how long a DaemonSet's app is unreachable while its image is updated
// on a board whose registry sits behind a slow link. A real hub and agent on the real Docker
// engine; the registry (Debian's docker-registry) runs in a network namespace whose veth is
// shaped by `tc tbf` (netem is not in this kernel), and the engine reaches it through a relay on
// 127.0.0.1 (an insecure-registry address Docker accepts without configuration). It is the
// engine that pulls, not the agent: the shaped link is the registry's. The app is busybox httpd
// on the host network (the new container cannot bind until the old one is gone, as a daemon
// holding a host port); a client polls it every --poll ms. v1 is on the board, v2 (a fresh layer
// of --image-mb random bytes) must come over the link. Figures: the longest unreachable window,
// update -> v2 served, and the download time it hides.
// Run alone: node dist/bench/pull-before-stop.js [--image-mb 3] [--rate 1mbit] [--poll 100ms]
// The same file copied into an older build's dist/bench measures that build ("before").

import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonSet } from '../shared/api/apps.js';
import { NetNs } from '../test/helpers/netns.js';
import { ANCHORS } from './lib/anchors.js';
import { type BenchProc, startAgentProc, startHubProc } from './lib/agent-procs.js';
import { NodeReadyWatch } from './lib/agent-node-watch.js';
import { removeNodeContainers } from './lib/agent-pods.js';
import { BenchArgs } from './lib/args.js';
import { hubApiClient } from './lib/hub-client.js';
import { BenchReport } from './lib/report.js';

const args = new BenchArgs();
const IMAGE_MB = args.number('image-mb', 3);
const RATE = args.string('rate', '1mbit');
const POLL_MS = args.durationMs('poll', 100);
const APP_PORT = args.number('port', 18_431);
const NODE = 'pbs-board';
const NS_ADDR = '10.233.0.2';
const HOST_ADDR = '10.233.0.1';
const BUSYBOX = execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();

const report = new BenchReport(
  'pull-before-stop',
  `DaemonSet image update over a ${RATE} link: app downtime`,
  `node dist/bench/pull-before-stop.js --image-mb ${IMAGE_MB} --rate ${RATE}`,
  { imageMb: IMAGE_MB, rate: RATE, pollMs: POLL_MS },
);

const sh = (cmd: string, a: string[], input?: Buffer) =>
  execFileSync(cmd, a, { input, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'], encoding: 'utf8' });

const pushImage = (ref: string) =>
  new Promise<void>((resolve, reject) =>
    execFile('docker', ['push', '-q', ref], (e, _out, err) =>
      e ? reject(new Error(`push ${ref}: ${err}`)) : resolve(),
    ),
  );

/** A one-layer image: busybox, an index page naming the version, `mb` MB of random bytes. */
function buildImage(ref: string, version: string, mb: number): void {
  const root = mkdtempSync(join(tmpdir(), 'pbs-root-'));
  for (const d of ['bin', 'www', 'tmp']) mkdirSync(join(root, d));
  cpSync(BUSYBOX, join(root, 'bin/busybox'));
  for (const a of ['sh', 'httpd']) symlinkSync('busybox', join(root, 'bin', a));
  writeFileSync(join(root, 'www/index.html'), version);
  writeFileSync(join(root, 'payload'), randomBytes(mb * 1e6));
  const tar = execFileSync('tar', ['-C', root, '-c', '.'], { maxBuffer: 1 << 30 });
  sh('docker', ['import', '-c', 'ENV PATH=/bin', '-', ref], tar);
  rmSync(root, { recursive: true, force: true });
}

/** 127.0.0.1:<port> -> the registry in the namespace (every byte crosses the shaped veth). */
function relay(target: { host: string; port: number }): Promise<{ port: number; close(): void }> {
  const socks = new Set<net.Socket>();
  const server = net.createServer((c) => {
    const up = net.connect(target);
    socks.add(c).add(up);
    c.pipe(up).pipe(c);
    const end = () => {
      c.destroy();
      up.destroy();
    };
    c.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({
        port: typeof a === 'object' && a ? a.port : 0,
        close: () => {
          for (const s of socks) s.destroy();
          server.close();
        },
      });
    }),
  );
}

function get(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 500 }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

function daemonSet(image: string): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'pbs-app', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'pbs-app' } },
      template: {
        metadata: { labels: { app: 'pbs-app' } },
        spec: {
          hostNetwork: true,
          terminationGracePeriodSeconds: 2,
          containers: [
            {
              name: 'web',
              image,
              imagePullPolicy: 'IfNotPresent',
              command: ['httpd', '-f', '-p', String(APP_PORT), '-h', '/www'],
            },
          ],
        },
      },
    },
  };
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-pbs-'));
const procs: BenchProc[] = [];
let registry: ChildProcess | undefined;
let ns: NetNs | undefined;
let link: { port: number; close(): void } | undefined;
const refs: string[] = [];
try {
  ns = NetNs.create({ name: 'pbs', hostAddr: HOST_ADDR, nsAddr: NS_ADDR });
  const store = join(tmp, 'registry');
  writeFileSync(
    join(tmp, 'registry.yml'),
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${store}\nhttp:\n  addr: ${NS_ADDR}:5000\n`,
  );
  const [cmd, a] = ns.exec('docker-registry', ['serve', join(tmp, 'registry.yml')]);
  registry = spawn(cmd, a, { stdio: 'ignore' });
  link = await relay({ host: NS_ADDR, port: 5000 });
  const port = link.port;
  const up = () =>
    fetch(`http://127.0.0.1:${port}/v2/`)
      .then((r) => (r.ok ? true : undefined))
      .catch(() => undefined);
  await until('the registry', up, 10_000);
  const v1 = `127.0.0.1:${port}/bench/pbs:v1`;
  const v2 = `127.0.0.1:${port}/bench/pbs:v2`;
  refs.push(v1, v2);
  buildImage(v1, 'v1', 1);
  buildImage(v2, 'v2', IMAGE_MB);
  // Asynchronous: the relay lives in this process.
  await pushImage(v1);
  await pushImage(v2);
  const size = Number(sh('docker', ['image', 'inspect', '-f', '{{.Size}}', v2]).trim());
  sh('docker', ['rmi', v2]);
  // Only now the link is slowed: the registry's answers leave the namespace at RATE.
  sh('ip', [
    'netns',
    'exec',
    ns.name,
    'tc',
    'qdisc',
    'add',
    'dev',
    ns.nsIf,
    'root',
    'tbf',
    'rate',
    RATE,
    'burst',
    '32kbit',
    'latency',
    '400ms',
  ]);

  const hub = await startHubProc(join(tmp, 'hub'));
  procs.push(hub);
  const client = hubApiClient(hub.dataDir);
  const nodes = new NodeReadyWatch(client);
  await nodes.start();
  procs.push(
    startAgentProc({
      mqtt: hub.mqtt,
      token: hub.token,
      caHash: hub.caHash,
      name: NODE,
      dataDir: join(tmp, 'agent'),
    }),
  );
  await nodes.waitFor(NODE, true, 60_000);
  nodes.stop();
  await client.create('daemonsets', 'default', daemonSet(v1));
  await until('v1 served', async () => ((await get(APP_PORT)) === 'v1' ? true : undefined), 60_000);

  // Poll the app; record every answer's time and what it served.
  const samples: { at: number; body: string | undefined }[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const at = Date.now();
      samples.push({ at, body: await get(APP_PORT) });
      await new Promise((r) => setTimeout(r, Math.max(0, POLL_MS - (Date.now() - at))));
    }
  })();
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = Date.now();
  const ds = await client.get<DaemonSet>('daemonsets', 'default', 'pbs-app');
  ds.spec.template.spec.containers[0].image = v2;
  await client.update('daemonsets', 'default', ds);
  const expectedS = (size * 8) / Number.parseFloat(RATE) / 1e6;
  await until(
    'v2 served',
    async () => ((await get(APP_PORT)) === 'v2' ? true : undefined),
    120_000 + 4000 * expectedS,
  );
  const tServed = Date.now() - t0;
  await new Promise((r) => setTimeout(r, 1000));
  polling = false;
  await poller;

  // Longest run of failed polls, from the last good answer before it to the first after it.
  let worst = 0;
  let lastOk = samples[0]?.at ?? t0;
  let failing = false;
  let failures = 0;
  for (const s of samples) {
    if (s.body === undefined) {
      failing = true;
      failures++;
      continue;
    }
    if (failing) worst = Math.max(worst, s.at - lastOk);
    failing = false;
    lastOk = s.at;
  }
  report.add('app unreachable (longest window)', worst / 1000, 's', ANCHORS.updateDowntime, {
    met: worst < 2000,
    note: `${failures} of ${samples.length} polls failed`,
  });
  report.add('update -> v2 served', tServed / 1000, 's', ANCHORS.updateDownload, {
    note: `v2 image ${(size / 1e6).toFixed(1)} MB; at ${RATE} its download alone takes ~${expectedS.toFixed(0)} s`,
  });
  await client.delete('daemonsets', 'default', 'pbs-app');
} finally {
  for (const p of procs.reverse()) await p.stop(5000).catch(() => {});
  await removeNodeContainers(NODE).catch(() => {});
  for (const r of refs) {
    try {
      sh('docker', ['rmi', '-f', r]);
    } catch {
      // not pulled
    }
  }
  link?.close();
  registry?.kill('SIGKILL');
  ns?.destroy();
  rmSync(tmp, { recursive: true, force: true });
}
report.write();
