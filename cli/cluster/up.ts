// `drover cluster up`: a local cluster to try several hubs, as named steps: nats-servers
// (a JetStream cluster), the first hub (it makes the CA and keys), the shared files copied
// into the other hubs' directories, the other hubs, then cluster.json and the join line. The
// hubs' output goes to hub-N/hub.log. While it runs, a hub that exits (a crash) is started
// again; Ctrl-C stops
// the hubs, then the servers.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caCertHash } from '../../shared/tls/ca-hash.js';
import { pkiPaths } from '../../hub/auth/pki.js';
import { copySharedHubFiles } from './hub-files.js';
import { type NatsNode, startNatsCluster } from './nats-server.js';
import { type ClusterUpOptions, HUB_RESTART_DELAY_MS, HUB_START_TIMEOUT_MS } from './options.js';

const CLI_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));
/** Grace for a child to stop on SIGTERM before it is killed, ms. */
const CHILD_STOP_TIMEOUT_MS = 5_000;

export class ClusterStartError extends Error {
  override name = 'ClusterStartError';
}

interface HubChild {
  index: number;
  dataDir: string;
  args: string[];
  proc: ChildProcess;
  api: string;
  mqtt: string;
}

/** What cluster.json holds: where everything is, for people and scripts. */
export interface ClusterInfo {
  hubs: { api: string; mqtt: string; dataDir: string; pid: number }[];
  nats: { url: string; pid: number }[];
  kubeconfig: string;
  joinLine: string;
}

const range = (base: number, n: number) =>
  base === 0 ? undefined : Array.from({ length: n }, (_, i) => base + i);

export async function clusterUp(
  o: ClusterUpOptions,
  stopSignal: Promise<unknown>,
  say: (s: string) => void,
): Promise<number> {
  const dir = resolve(o.dir);
  let natsNodes: NatsNode[] = [];
  const hubs: HubChild[] = [];
  let stopping = false;
  const hubDir = (i: number) => join(dir, `hub-${i}`);
  const natsUrls = () => natsNodes.map((n) => n.url).join(',');

  const startHub = async (index: number): Promise<HubChild> => {
    const dataDir = hubDir(index);
    mkdirSync(dataDir, { recursive: true });
    const endpoints = join(dataDir, 'endpoints.json');
    rmSync(endpoints, { force: true }); // a stale one names old ports
    const port = (base: number) => String(base === 0 ? 0 : base + index - 1);
    const args = [
      'hub',
      '--data-dir',
      dataDir,
      '--store',
      natsUrls(),
      '--store-replicas',
      String(o.nats >= 3 ? 3 : 1),
      '--api-host',
      '127.0.0.1',
      '--api-port',
      port(o.apiPort),
      '--mqtt-host',
      '127.0.0.1',
      '--mqtt-port',
      port(o.mqttPort),
      ...(o.logLevel ? ['--log-level', o.logLevel] : []),
      ...(o.nodeGrace ? ['--node-grace', o.nodeGrace] : []),
      ...(o.heartbeatInterval ? ['--heartbeat-interval', o.heartbeatInterval] : []),
    ];
    const log = openSync(join(dataDir, 'hub.log'), 'a');
    const proc = spawn(process.execPath, [CLI_MAIN, ...args], { stdio: ['ignore', log, log] });
    const deadline = Date.now() + HUB_START_TIMEOUT_MS;
    while (!existsSync(endpoints)) {
      if (proc.exitCode !== null || proc.signalCode !== null)
        throw new ClusterStartError(`hub ${index} exited while starting; see ${join(dataDir, 'hub.log')}`);
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new ClusterStartError(
          `hub ${index} did not start within ${HUB_START_TIMEOUT_MS} ms; see ${join(dataDir, 'hub.log')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const ep = JSON.parse(readFileSync(endpoints, 'utf8')) as { api: string; mqtt: string };
    const h: HubChild = { index, dataDir, args, proc, api: ep.api, mqtt: ep.mqtt };
    proc.once('exit', (code, sig) => {
      if (stopping) return;
      say(`drover cluster: hub ${index} exited (${sig ?? `code ${code}`}); starting it again\n`);
      setTimeout(() => {
        if (stopping) return;
        startHub(index).then(
          (again) => {
            hubs[index - 1] = again;
            writeInfo();
          },
          (e: unknown) => say(`drover cluster: hub ${index} did not restart: ${(e as Error).message}\n`),
        );
      }, HUB_RESTART_DELAY_MS);
    });
    return h;
  };

  const info = (): ClusterInfo => {
    const first = hubDir(1);
    const token = readFileSync(join(first, 'bootstrap-token'), 'utf8').trim();
    const caHash = caCertHash(readFileSync(pkiPaths(first).caCert, 'utf8'));
    return {
      hubs: hubs.map((h) => ({ api: h.api, mqtt: h.mqtt, dataDir: h.dataDir, pid: h.proc.pid ?? 0 })),
      nats: natsNodes.map((n) => ({ url: n.url, pid: n.proc.pid ?? 0 })),
      kubeconfig: join(first, 'kubeconfig'),
      joinLine: `drover agent --hub ${hubs.map((h) => h.mqtt).join(',')} --token ${token} --ca-hash ${caHash} --name <name>`,
    };
  };
  const writeInfo = () => writeFileSync(join(dir, 'cluster.json'), `${JSON.stringify(info(), null, 2)}\n`);

  const stopAll = async () => {
    stopping = true;
    await Promise.all(hubs.map((h) => stopChild(h.proc)));
    await Promise.all(natsNodes.map((n) => stopChild(n.proc)));
  };

  const steps: [string, () => Promise<void>][] = [
    [
      `start ${o.nats} nats-server(s)`,
      async () => {
        natsNodes = await startNatsCluster({
          size: o.nats,
          dir: join(dir, 'nats'),
          ...(range(o.natsPort, o.nats) ? { ports: range(o.natsPort, o.nats) } : {}),
          ...(range(o.natsClusterPort, o.nats) ? { clusterPorts: range(o.natsClusterPort, o.nats) } : {}),
        });
      },
    ],
    ['start the first hub', async () => void hubs.push(await startHub(1))],
    [
      'copy the CA and keys to the other hubs',
      async () => {
        for (let i = 2; i <= o.hubs; i++)
          if (!existsSync(pkiPaths(hubDir(i)).caCert)) copySharedHubFiles(hubDir(1), hubDir(i));
      },
    ],
    [
      'start the other hubs',
      async () => {
        for (let i = 2; i <= o.hubs; i++) hubs.push(await startHub(i));
      },
    ],
    ['write cluster.json', async () => writeInfo()],
  ];
  for (const [name, run] of steps) {
    say(`drover cluster: ${name}\n`);
    try {
      await run();
    } catch (e) {
      say(`drover cluster: failed at "${name}": ${(e as Error).message}\n`);
      await stopAll();
      return 1;
    }
  }

  const c = info();
  say(`\nDrover cluster is running (${dir}):\n`);
  for (const n of c.nats) say(`  nats-server  ${n.url}\n`);
  for (const [i, h] of c.hubs.entries())
    say(`  hub ${i + 1}        API ${h.api}  MQTT ${h.mqtt}  log ${join(h.dataDir, 'hub.log')}\n`);
  say(
    `\nkubectl --kubeconfig ${c.kubeconfig} get nodes   (the CA is shared: the same client cert works on every hub)\n`,
  );
  say(`Join a board to all hubs (it uses the first, then the next when one is down):\n  ${c.joinLine}\n`);
  say(`\nPress Ctrl-C to stop the hubs and the servers.\n`);

  await stopSignal;
  say('drover cluster: stopping the hubs and the servers\n');
  await stopAll();
  return 0;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), CHILD_STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(t);
}
