// Real processes for end-to-end tests: hubs and agents started through the `drover` CLI, the
// real kubectl, and a guarantee that every child is killed when the test file ends.

import { componentRefusals } from './component-refusals.js';
import { trustHub } from './hub-tls.js';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { caCertHash } from '../../shared/tls/ca-hash.js';
import { tempDir } from './tmp.js';
import { waitFor } from './wait.js';

/** dist/ (compiled tests live in dist/test/helpers). */
export const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(DIST, 'cli/main.js');

const children = new Set<ChildProcess>();

function killAllSync(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.kill('SIGCONT'); // a stopped process cannot die until continued
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}
// Even when a test throws or uvu exits early, no hub or agent outlives the test file.
process.on('exit', killAllSync);
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    killAllSync();
    process.exit(130);
  });

/** Data directories of the hubs startHubProcess started (their audit logs are checked at killAll). */
const hubDataDirs = new Set<string>();

/**
 * Kills (SIGKILL) every process started by these helpers that is still running; then fails if
 * a hub's audit log shows one of its own components refused by RBAC (a permission missing from
 * a bootstrap role), so every e2e file checks the controllers' roles too.
 */
export async function killAll(): Promise<void> {
  const live = [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  killAllSync();
  await Promise.all(live.map((c) => exited(c, 5000)));
  const refused = [...hubDataDirs].flatMap((d) => componentRefusals(d));
  hubDataDirs.clear();
  if (refused.length)
    throw new Error(
      `in-process requests refused by RBAC:\n${refused.map((r) => JSON.stringify(r)).join('\n')}`,
    );
}

export interface Proc {
  proc: ChildProcess;
  pid: number;
  /** Everything the process wrote on stdout and stderr so far. */
  output(): string;
  /** Sends signal (default SIGTERM) and waits for the exit; SIGKILL after timeoutMs. Returns the exit code or signal. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | NodeJS.Signals | null>;
  kill9(): Promise<void>;
  exited: Promise<number | NodeJS.Signals | null>;
}

function exited(
  c: ChildProcess,
  timeoutMs = Number.POSITIVE_INFINITY,
): Promise<number | NodeJS.Signals | null> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve(c.exitCode ?? c.signalCode);
  return new Promise((resolve) => {
    const t = Number.isFinite(timeoutMs) ? setTimeout(() => resolve(null), timeoutMs) : undefined;
    c.once('exit', (code, sig) => {
      if (t) clearTimeout(t);
      resolve(code ?? sig);
    });
  });
}

export function spawnDrover(args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const proc = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return trackProcess(proc);
}

/** Any spawned child (stdout/stderr piped) as a Proc, killed when the test file ends. */
export function trackProcess(proc: ChildProcess): Proc {
  children.add(proc);
  let out = '';
  proc.stdout?.on('data', (d) => {
    out += d;
  });
  proc.stderr?.on('data', (d) => {
    out += d;
  });
  if (process.env.DROVER_TEST_VERBOSE) {
    proc.stdout?.pipe(process.stderr);
    proc.stderr?.pipe(process.stderr);
  }
  const done = exited(proc);
  return {
    proc,
    pid: proc.pid!,
    output: () => out,
    exited: done,
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode ?? proc.signalCode;
      proc.kill('SIGCONT');
      proc.kill(signal);
      const r = await exited(proc, timeoutMs);
      if (r === null) {
        proc.kill('SIGKILL');
        await done;
      }
      return r;
    },
    async kill9() {
      proc.kill('SIGKILL');
      await done;
    },
  };
}

export interface HubProcess extends Proc {
  apiUrl: string;
  mqttUrl: string;
  apiPort: number;
  mqttPort: number;
  token: string;
  dataDir: string;
  kubeconfig: string;
  /** The hub CA (PEM) and its pin, as a join line carries it. */
  caPem: string;
  caHash: string;
  /** The plain listener, when the hub was started with --mqtt-plain-port. */
  mqttPlainUrl?: string;
}

export interface StartHubOptions {
  dataDir?: string;
  /** Extra `drover hub` flags, e.g. ['--node-grace', '3s']. Ports default to 0 unless given here. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** `drover hub --data-dir D --api-port 0 --mqtt-port 0 ...`, ready when endpoints.json is written. */
export async function startHubProcess(opts: StartHubOptions = {}): Promise<HubProcess> {
  const dataDir = opts.dataDir ?? tempDir('drover-hub-');
  const endpoints = join(dataDir, 'endpoints.json');
  // A previous run's file names old ports: wait for this run's.
  rmSync(endpoints, { force: true });
  const args = opts.args ?? [];
  const ports = [
    ...(args.includes('--api-port') ? [] : ['--api-port', '0']),
    ...(args.includes('--mqtt-port') ? [] : ['--mqtt-port', '0']),
  ];
  const p = spawnDrover(
    ['hub', '--data-dir', dataDir, '--api-host', '127.0.0.1', ...ports, ...args],
    opts.env,
  );
  const ep = await waitFor(
    () => {
      if (p.proc.exitCode !== null) throw new Error(`hub exited with ${p.proc.exitCode}:\n${p.output()}`);
      if (!existsSync(endpoints)) return undefined;
      return JSON.parse(readFileSync(endpoints, 'utf8')) as { api: string; mqtt: string; mqttPlain?: string };
    },
    { timeoutMs: opts.timeoutMs ?? 20_000, what: `hub endpoints in ${endpoints}` },
  ).catch((e: Error) => {
    throw new Error(`${e.message}\nhub output:\n${p.output()}`);
  });
  hubDataDirs.add(dataDir);
  const token = readFileSync(join(dataDir, 'bootstrap-token'), 'utf8').trim();
  const caPem = readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8');
  trustHub(ep.api, dataDir);
  return {
    ...p,
    apiUrl: ep.api,
    mqttUrl: ep.mqtt,
    apiPort: Number(new URL(ep.api).port),
    mqttPort: Number(new URL(ep.mqtt).port),
    token,
    dataDir,
    kubeconfig: join(dataDir, 'kubeconfig'),
    caPem,
    caHash: caCertHash(caPem),
    ...(ep.mqttPlain ? { mqttPlainUrl: ep.mqttPlain } : {}),
  };
}

export interface AgentProcess extends Proc {
  name: string;
  dataDir: string;
}

/**
 * One machine runs many test agents at once and only one can serve 169.254.20.10:53, so an
 * agent serves cluster DNS only where its test asks for it (test/e2e/service-dns.test.ts): the
 * environment for agents started by other means (bench/lib/agent-procs.ts).
 */
export const NO_CLUSTER_DNS: NodeJS.ProcessEnv = { DROVER_CLUSTER_DNS: 'none' };

export interface StartAgentOptions {
  /** A HubProcess, or its parts: --ca-hash is passed for an mqtts:// URL. */
  hub: { mqttUrl: string; token?: string; caHash?: string };
  name: string;
  dataDir?: string;
  labels?: Record<string, string>;
  /** Extra flags, e.g. ['--heartbeat-interval', '1s']. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Pass the bootstrap token (default true). */
  withToken?: boolean;
}

/** `drover agent --hub URL --token T --name N --data-dir D ...` (returns at once; wait for Ready yourself). */
export function startAgentProcess(opts: StartAgentOptions): AgentProcess {
  const dataDir = opts.dataDir ?? tempDir(`drover-agent-${opts.name}-`);
  const args = ['agent', '--hub', opts.hub.mqttUrl, '--name', opts.name, '--data-dir', dataDir];
  if (opts.withToken !== false && opts.hub.token) args.push('--token', opts.hub.token);
  if (opts.hub.caHash && opts.hub.mqttUrl.startsWith('mqtts:')) args.push('--ca-hash', opts.hub.caHash);
  if (opts.labels)
    args.push(
      '--labels',
      Object.entries(opts.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    );
  if (!opts.args?.includes('--cluster-dns')) args.push('--cluster-dns', 'none'); // see NO_CLUSTER_DNS
  args.push(...(opts.args ?? []));
  return { ...spawnDrover(args, opts.env), name: opts.name, dataDir };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never throws on a non-zero exit). */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        env: { ...process.env, ...opts.env },
        timeout: opts.timeoutMs ?? 30_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** The real kubectl against a hub's kubeconfig. */
export function kubectl(
  args: string[],
  opts: { kubeconfig: string; timeoutMs?: number },
): Promise<RunResult> {
  return run('kubectl', ['--kubeconfig', opts.kubeconfig, ...args], { timeoutMs: opts.timeoutMs });
}

/** `node dist/cli/main.js ARGS` to completion. */
export function drover(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return run(process.execPath, [CLI, ...args], opts);
}

/** Parses kubectl/drover table output into rows keyed by upper-case header. */
export function parseTable(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const header = lines[0];
  const starts: number[] = [];
  const names: string[] = [];
  for (const m of header.matchAll(/\S+(?: \S+)*/g)) {
    starts.push(m.index ?? 0);
    names.push(m[0]);
  }
  return lines.slice(1).map((l) => {
    const row: Record<string, string> = {};
    names.forEach((n, i) => {
      row[n] = l.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim();
    });
    return row;
  });
}

/** The bootstrap token in a join line printed by `drover token create`. */
export function tokenOfJoinLine(line: string): string {
  const m = /--token ([a-z0-9]{6}\.[a-z0-9]{16})/.exec(line);
  if (!m) throw new Error(`no token in ${JSON.stringify(line)}`);
  return m[1]!;
}

/** The hub URL the agent's last "connected to hub" line names (which hub holds the board). */
export function connectedHub(a: AgentProcess): string | undefined {
  const lines = a
    .output()
    .split('\n')
    .filter((l) => l.includes('connected to hub') && !l.includes('disconnected'));
  return lines.at(-1)?.match(/mqtts:\/\/[0-9.:]+/)?.[0];
}
