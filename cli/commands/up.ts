// `drover up`: a hub and one local agent, each as a child process of this one, for first
// steps. A crash of either is reported plainly and ends `up` with a non-zero code and the other
// stopped (issue #14: a hub that died in-process left the agent talking to nothing); Ctrl-C
// stops both.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sanitizeNodeName } from '../../agent/config.js';
import { parseDurationMs } from '../../agent/duration.js';
import { flagBool, flagString, parseFlags } from '../../agent/flags.js';
import type { Node } from '../../shared/api/types.js';
import { caCertHash } from '../../shared/tls/ca-hash.js';
import { apiRequest, resolveApiTarget } from '../api.js';
import { UsageError } from '../common.js';
import { getCommand } from './get.js';
import { HUB_FLAGS, untilSignal } from './hub.js';
export const UP_USAGE = `Usage: drover up [options]

Starts a hub and one agent on this machine, waits until the node is Ready, prints how to use it.

Options:
  --data-dir DIR           hub in DIR/hub, agent in DIR/agent (default ./.drover)
  --name NAME              node name of the local agent (default: the hostname)
  --ready-timeout 30s      how long to wait for the node to be Ready
  --api-port, --mqtt-port, --api-host, --mqtt-host, --node-grace, --heartbeat-interval, --log-level
                           as for \`drover hub\` (the heartbeat interval is passed to the agent too)
`;

/** Default parent data dir of `drover up`; the hub's part is ./.drover/hub, the CLI's default kubeconfig. */
export const DEFAULT_UP_DIR = '.drover';
export const DEFAULT_READY_TIMEOUT_MS = 30_000;

/** How long the hub may take to write its endpoints after it starts, ms. */
const HUB_START_TIMEOUT_MS = 60_000;
/** Grace for a child to stop on SIGTERM before it is killed, ms. */
const CHILD_STOP_TIMEOUT_MS = 5000;
const CLI_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

/** `up`'s own flags and their values, taken out of argv; the rest goes to `drover hub`. */
const UP_ONLY_FLAGS = new Set(['--name', '--ready-timeout', '--data-dir']);

function hubArgv(argv: string[], hubDir: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const flag = a.split('=')[0];
    if (UP_ONLY_FLAGS.has(flag)) {
      if (!a.includes('=')) i++;
      continue;
    }
    out.push(a);
  }
  return ['hub', ...out, '--data-dir', hubDir];
}

interface Child {
  proc: ChildProcess;
  /** Resolves with how it ended ("code 1", "SIGABRT"). */
  exited: Promise<string>;
}

function child(args: string[]): Child {
  // The IPC channel is how the child learns that `up` is gone, even by kill -9 (shared/parent-link.ts).
  const proc = spawn(process.execPath, [CLI_MAIN, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<string>((res) => proc.once('exit', (code, sig) => res(sig ?? `code ${code}`)));
  return { proc, exited };
}

export async function upCommand(argv: string[]): Promise<number> {
  const f = parseFlags(argv, {
    ...HUB_FLAGS,
    name: { type: 'string' },
    'ready-timeout': { type: 'string' },
  });
  if (flagBool(f, 'help')) {
    process.stdout.write(UP_USAGE);
    return 0;
  }
  if (f.positionals.length)
    throw new UsageError(`unexpected argument ${JSON.stringify(f.positionals[0])}`, UP_USAGE);
  const dir = resolve(flagString(f, 'data-dir') ?? DEFAULT_UP_DIR);
  const name = flagString(f, 'name') ?? sanitizeNodeName(hostname());
  const readyTimeoutMs = parseDurationMs(flagString(f, 'ready-timeout') ?? '30s');
  if (readyTimeoutMs === undefined)
    throw new UsageError('--ready-timeout must be a duration such as 30s', UP_USAGE);
  const hubDir = join(dir, 'hub');
  const say = (s: string) => process.stdout.write(s);
  const complain = (s: string) => process.stderr.write(`drover up: ${s}\n`);

  const signal = untilSignal();
  // A stale endpoints file from an earlier run must not be taken for this hub being up.
  rmSync(join(hubDir, 'endpoints.json'), { force: true });
  const hub = child(hubArgv(argv, hubDir));
  const started = await Promise.race([
    waitEndpoints(hubDir, HUB_START_TIMEOUT_MS),
    hub.exited.then((how) => ({ exited: how })),
    signal.then(() => 'signal' as const),
  ]);
  if (started === 'signal' || started === undefined || 'exited' in started) {
    await stopChild(hub.proc);
    if (started === 'signal') return 0;
    complain(
      started === undefined
        ? `the hub did not write its endpoints within ${HUB_START_TIMEOUT_MS} ms; stopped it`
        : `the hub exited before it was up (${started.exited}); its output is above`,
    );
    return 1;
  }
  const endpoints = started;

  const agentArgs = [
    'agent',
    '--hub',
    endpoints.mqtt.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:'),
    '--token',
    readFileSync(join(hubDir, 'bootstrap-token'), 'utf8').trim(),
    '--ca-hash',
    caCertHash(readFileSync(join(hubDir, 'pki', 'ca.crt'), 'utf8')),
    '--name',
    name,
    '--data-dir',
    join(dir, 'agent'),
  ];
  const hb = flagString(f, 'heartbeat-interval');
  if (hb) agentArgs.push('--heartbeat-interval', hb);
  const agent = child(agentArgs);
  const stopAll = async () => {
    await stopChild(agent.proc);
    await stopChild(hub.proc);
  };
  const target = resolveApiTarget({ kubeconfig: join(hubDir, 'kubeconfig') });
  const ended = Promise.race([
    signal.then(() => 'signal' as const),
    agent.exited.then(() => 'agent-exit' as const),
    hub.exited.then(() => 'hub-exit' as const),
  ]);
  const crashed = async (what: 'agent-exit' | 'hub-exit'): Promise<number> => {
    if (what === 'hub-exit') {
      complain(`the hub exited unexpectedly (${await hub.exited}); stopping the agent`);
      await stopChild(agent.proc);
    } else {
      complain(`the local agent exited (${await agent.exited}); stopping the hub`);
      await stopChild(hub.proc);
    }
    return 1;
  };

  // Wait for Ready, a signal, or either child dying, whichever comes first.
  const ready = waitReady(
    () => apiRequest<Node>(target, `/api/v1/nodes/${encodeURIComponent(name)}`),
    readyTimeoutMs,
  );
  const first = await Promise.race([
    ready.then((ok) => (ok ? ('ready' as const) : ('timeout' as const))),
    ended,
  ]);
  if (first === 'signal') {
    await stopAll();
    return 0;
  }
  if (first === 'timeout') {
    complain(`node ${name} was not Ready within ${readyTimeoutMs} ms; stopping`);
    await stopAll();
    return 1;
  }
  if (first !== 'ready') return crashed(first);

  say(`\nLocal node ${name} is Ready:\n`);
  await getCommand(['nodes', '--kubeconfig', join(hubDir, 'kubeconfig')], say);
  say(`\nPress Ctrl-C to stop the hub and the agent.\n`);

  const end = await ended;
  if (end !== 'signal') return crashed(end);
  complain('stopping the agent and the hub');
  await stopAll();
  return 0;
}

/** The hub's endpoints.json once it exists (the hub writes it when both listeners are up). */
async function waitEndpoints(
  hubDir: string,
  timeoutMs: number,
): Promise<{ api: string; mqtt: string } | undefined> {
  const path = join(hubDir, 'endpoints.json');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(path)) {
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as { api: string; mqtt: string };
      } catch {
        // being written; the hub writes it atomically, so this is a race with rename only
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}

async function waitReady(get: () => Promise<Node>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const n = await get();
      if (n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return true;
    } catch {
      // not registered yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), CHILD_STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(t);
}
