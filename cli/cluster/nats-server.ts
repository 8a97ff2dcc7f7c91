// Starts Debian's nats-server with JetStream on loopback (or given addresses): one server or a
// cluster of N routed to each other. Used by `drover cluster up`, the tests and the benchmarks,
// so all three run the same configuration.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { connect } from 'nats';

/** How long a started server (or cluster) may take to answer JetStream requests, ms. */
export const NATS_READY_TIMEOUT_MS = 20_000;
/** The binary Debian's nats-server package installs (scripts/install-deps.sh). */
export const NATS_SERVER_BIN = process.env.DROVER_NATS_SERVER ?? 'nats-server';

export interface NatsNode {
  name: string;
  port: number;
  clusterPort: number;
  url: string;
  storeDir: string;
  proc: ChildProcess;
  /** stdout+stderr so far (bounded to the last 64 KiB). */
  output(): string;
}

export interface NatsClusterOptions {
  /** Number of servers: 1 = standalone JetStream, 3 or 5 = a Raft cluster. */
  size: number;
  /** Directory for configs and JetStream stores (one subdirectory per server). */
  dir: string;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Fixed client ports (default: free ports chosen at start). */
  ports?: number[];
  /** Fixed cluster (route) ports. */
  clusterPorts?: number[];
}

export class NatsStartError extends Error {
  override name = 'NatsStartError';
}

/** A free TCP port on host (bound and released: the caller uses it right away). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function configText(o: {
  name: string;
  host: string;
  port: number;
  clusterPort: number;
  storeDir: string;
  routes: string[];
}): string {
  const cluster =
    o.routes.length > 0
      ? `cluster {\n  name: drover\n  listen: ${o.host}:${o.clusterPort}\n  routes: [\n${o.routes
          .map((r) => `    ${r}`)
          .join('\n')}\n  ]\n}\n`
      : '';
  return `server_name: ${o.name}\nlisten: ${o.host}:${o.port}\njetstream {\n  store_dir: "${o.storeDir}"\n}\n${cluster}`;
}

/** Spawns one server from its config file; the caller owns the process. */
export function spawnNatsNode(configPath: string, node: Omit<NatsNode, 'proc' | 'output'>): NatsNode {
  const proc = spawn(NATS_SERVER_BIN, ['-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out += d;
    if (out.length > 65_536) out = out.slice(-65_536);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  return { ...node, proc, output: () => out };
}

/** Writes configs and starts size servers; resolves once JetStream answers on every one. */
export async function startNatsCluster(o: NatsClusterOptions): Promise<NatsNode[]> {
  const host = o.host ?? '127.0.0.1';
  const ports: number[] = [];
  const clusterPorts: number[] = [];
  for (let i = 0; i < o.size; i++) {
    ports.push(o.ports?.[i] ?? (await freePort(host)));
    clusterPorts.push(o.clusterPorts?.[i] ?? (await freePort(host)));
  }
  const nodes: NatsNode[] = [];
  for (let i = 0; i < o.size; i++) {
    const name = `n${i + 1}`;
    const storeDir = join(o.dir, name);
    mkdirSync(storeDir, { recursive: true });
    const routes = o.size > 1 ? clusterPorts.map((p) => `nats-route://${host}:${p}`) : [];
    const configPath = join(o.dir, `${name}.conf`);
    writeFileSync(
      configPath,
      configText({ name, host, port: ports[i], clusterPort: clusterPorts[i], storeDir, routes }),
    );
    nodes.push(
      spawnNatsNode(configPath, {
        name,
        port: ports[i],
        clusterPort: clusterPorts[i],
        url: `nats://${host}:${ports[i]}`,
        storeDir,
      }),
    );
  }
  try {
    await Promise.all(nodes.map((n) => waitJetStream(n)));
  } catch (err) {
    for (const n of nodes) n.proc.kill('SIGKILL');
    throw err;
  }
  return nodes;
}

/** Resolves once the server answers a JetStream account request (a cluster has a meta leader). */
export async function waitJetStream(n: NatsNode, timeoutMs = NATS_READY_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (n.proc.exitCode !== null || n.proc.signalCode !== null) {
      throw new NatsStartError(`nats-server ${n.name} exited: ${n.output().slice(-2000)}`);
    }
    try {
      const nc = await connect({ servers: n.url, timeout: 1000, reconnect: false });
      try {
        const jsm = await nc.jetstreamManager({ timeout: 1000 });
        await jsm.getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new NatsStartError(
    `nats-server ${n.name} on ${n.url} did not answer JetStream within ${timeoutMs} ms: ${String(last)}\n${n
      .output()
      .slice(-2000)}`,
  );
}
