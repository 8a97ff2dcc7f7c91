// Real hub and agent processes for the agent benchmarks (NotReady detection, footprint, pod
// startup): the hub through the `drover` CLI, agents through the agent's own entry
// (dist/agent/main.js, no hub code loaded) or any other entry such as a bundle. Every child is
// killed when the benchmark process exits, even a stopped (SIGSTOP) one.

import { caCertHash } from '../../shared/tls/ca-hash.js';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/cli/main.js and dist/agent/main.js, from dist/bench/lib/. */
export const CLI_ENTRY = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
export const AGENT_ENTRY = fileURLToPath(new URL('../../agent/main.js', import.meta.url));

/** How long a hub may take to write endpoints.json, ms. */
const HUB_START_TIMEOUT_MS = 30_000;
/** Output kept per process for error messages, characters. */
const OUTPUT_TAIL_CHARS = 20_000;

const children = new Set<ChildProcess>();
function killAllSync(): void {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    try {
      c.kill('SIGCONT'); // a stopped process cannot die until continued
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    killAllSync();
    process.exit(130);
  });

export interface BenchProc {
  pid: number;
  /** The last OUTPUT_TAIL_CHARS of stdout + stderr. */
  output(): string;
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM (SIGKILL after timeoutMs) and wait for the exit. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill9(): Promise<void>;
  exited: Promise<number | string | null>;
  running(): boolean;
}

export interface SpawnOptions {
  /** The node binary (default this process's). */
  node?: string;
  /** Flags for node itself, e.g. ['--max-old-space-size=16']. */
  nodeArgs?: string[];
  env?: NodeJS.ProcessEnv;
  /** Called with each complete output line (stdout and stderr). */
  onLine?: (line: string) => void;
}

export function spawnNode(entry: string, args: string[], opts: SpawnOptions = {}): BenchProc {
  const c = spawn(opts.node ?? process.execPath, [...(opts.nodeArgs ?? []), entry, ...args], {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(c);
  let tail = '';
  let partial = '';
  const onData = (d: Buffer) => {
    const s = d.toString();
    tail = (tail + s).slice(-OUTPUT_TAIL_CHARS);
    if (!opts.onLine) return;
    const lines = (partial + s).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) opts.onLine(l);
  };
  c.stdout?.on('data', onData);
  c.stderr?.on('data', onData);
  const exited = new Promise<number | string | null>((resolve) =>
    c.once('exit', (code, sig) => {
      children.delete(c);
      resolve(code ?? sig);
    }),
  );
  const running = () => c.exitCode === null && c.signalCode === null;
  return {
    pid: c.pid ?? 0,
    output: () => tail,
    signal: (sig) => {
      if (running()) c.kill(sig);
    },
    running,
    exited,
    async stop(timeoutMs = 10_000) {
      if (!running()) return;
      c.kill('SIGCONT');
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(t);
    },
    async kill9() {
      if (running()) c.kill('SIGKILL');
      await exited;
    },
  };
}

export interface HubProc extends BenchProc {
  api: string;
  mqtt: string;
  token: string;
  /** Pin of the hub CA for the agents' --ca-hash. */
  caHash: string;
  dataDir: string;
}

/** `drover hub --data-dir D --api-port 0 --mqtt-port 0 ARGS`, up when D/endpoints.json exists. */
export async function startHubProc(
  dataDir: string,
  args: string[] = [],
  opts: SpawnOptions = {},
): Promise<HubProc> {
  const endpoints = join(dataDir, 'endpoints.json');
  rmSync(endpoints, { force: true }); // a previous run's file names old ports
  const p = spawnNode(
    CLI_ENTRY,
    ['hub', '--data-dir', dataDir, '--api-host', '127.0.0.1', '--api-port', '0', '--mqtt-port', '0', ...args],
    opts,
  );
  const deadline = Date.now() + HUB_START_TIMEOUT_MS;
  while (!existsSync(endpoints)) {
    if (!p.running()) throw new Error(`hub exited before it was up:\n${p.output()}`);
    if (Date.now() > deadline) {
      await p.kill9();
      throw new Error(`hub wrote no ${endpoints} within ${HUB_START_TIMEOUT_MS} ms:\n${p.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const ep = JSON.parse(readFileSync(endpoints, 'utf8')) as { api: string; mqtt: string };
  const token = readFileSync(join(dataDir, 'bootstrap-token'), 'utf8').trim();
  const caHash = caCertHash(readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8'));
  return { ...p, api: ep.api, mqtt: ep.mqtt, token, caHash, dataDir };
}

export interface AgentProcOptions extends SpawnOptions {
  mqtt: string;
  token: string;
  /** The hub CA pin (mqtts://). */
  caHash: string;
  name: string;
  dataDir: string;
  /** Extra agent flags, e.g. ['--heartbeat-interval', '10s']. */
  args?: string[];
  /** The agent's entry file (default dist/agent/main.js). */
  entry?: string;
}

/** `node [nodeArgs] ENTRY --hub URL --token T --name N --data-dir D ARGS` (returns at once). */
export function startAgentProc(o: AgentProcOptions): BenchProc {
  return spawnNode(
    o.entry ?? AGENT_ENTRY,
    [
      ...['--hub', o.mqtt, '--token', o.token, '--ca-hash', o.caHash],
      ...['--name', o.name, '--data-dir', o.dataDir, ...(o.args ?? [])],
    ],
    o,
  );
}
