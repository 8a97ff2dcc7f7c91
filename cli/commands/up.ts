// `drover up`: a hub and one local agent in one process tree, for first steps. The hub runs
// in this process, the agent as a child process (a crash of either is visible); Ctrl-C stops both.

import { type ChildProcess, spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sanitizeNodeName } from '../../agent/config.js';
import { parseDurationMs } from '../../agent/duration.js';
import { flagBool, flagString, parseFlags } from '../../agent/flags.js';
import type { Node } from '../../shared/api/types.js';
import { UsageError } from '../common.js';
import { getCommand } from './get.js';
import { connectHelp, HUB_FLAGS, hubOptionsFromFlags, untilSignal } from './hub.js';

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
/** Grace for the agent to say goodbye on stop before it is killed, ms. */
const AGENT_STOP_TIMEOUT_MS = 5000;

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
  const hubOpts = { ...hubOptionsFromFlags(f), dataDir: join(dir, 'hub') };

  const signal = untilSignal();
  const { startHub } = await import('../../hub/hub.js');
  const hub = await startHub(hubOpts);
  const say = (s: string) => process.stdout.write(s);

  const agentArgs = [
    fileURLToPath(new URL('../main.js', import.meta.url)),
    'agent',
    '--hub',
    hub.mqttUrl.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:'),
    '--token',
    hub.bootstrapToken,
    '--name',
    name,
    '--data-dir',
    join(dir, 'agent'),
  ];
  const hb = flagString(f, 'heartbeat-interval');
  if (hb) agentArgs.push('--heartbeat-interval', hb);
  const agent = spawn(process.execPath, agentArgs, { stdio: ['ignore', 'inherit', 'inherit'] });
  const agentExit = new Promise<string>((res) =>
    agent.once('exit', (code, sig) => res(sig ?? `code ${code}`)),
  );

  const stopAll = async () => {
    await stopChild(agent);
    await hub.stop();
  };

  // Wait for Ready, a signal, or the agent dying, whichever comes first.
  const ready = waitReady(() => hub.client.get<Node>('nodes', undefined, name), readyTimeoutMs);
  const first = await Promise.race([
    ready.then((ok) => (ok ? ('ready' as const) : ('timeout' as const))),
    signal.then(() => 'signal' as const),
    agentExit.then(() => 'agent-exit' as const),
  ]);
  if (first === 'signal') {
    await stopAll();
    return 0;
  }
  if (first !== 'ready') {
    process.stderr.write(
      first === 'timeout'
        ? `drover up: node ${name} was not Ready within ${readyTimeoutMs} ms; stopping\n`
        : `drover up: the local agent exited (${await agentExit}) before its node was Ready; stopping the hub\n`,
    );
    await stopAll();
    return 1;
  }

  say(connectHelp(hub, 'another-board'));
  say(`\nLocal node ${name} is Ready:\n`);
  await getCommand(['nodes', '--server', hub.apiUrl], say);
  say(`\nPress Ctrl-C to stop the hub and the agent.\n`);

  const end = await Promise.race([
    signal.then(() => 'signal' as const),
    agentExit.then(() => 'agent-exit' as const),
  ]);
  if (end === 'agent-exit') {
    process.stderr.write(`drover up: the local agent exited (${await agentExit}); stopping the hub\n`);
    await hub.stop();
    return 1;
  }
  process.stderr.write('drover up: stopping the agent and the hub\n');
  await stopAll();
  return 0;
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
  const t = setTimeout(() => c.kill('SIGKILL'), AGENT_STOP_TIMEOUT_MS);
  await gone;
  clearTimeout(t);
}
