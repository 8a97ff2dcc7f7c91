// `drover` command dispatch. Each command's module is loaded only when used: `drover agent`
// must never load hub code (boards run Node 18 without the hub's native SQLite module).

import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { FlagError } from '../agent/flags.js';
import { DROVER_VERSION } from '../shared/protocol/constants.js';
import { UsageError } from './common.js';

export const USAGE = `drover ${DROVER_VERSION}: containers on fleets of small machines

Usage: drover COMMAND [options]

Commands:
  up                  start a hub and one local agent (first steps)
  cluster up          start nats-servers and several hubs sharing them on this machine (try NATS)
  hub                 run the hub (API server, store, MQTT broker, controllers)
  agent               run the agent on a board
  token create|list|delete   bootstrap tokens for joining boards
  node revoke|reset NAME     withdraw a board's credential / free its name for a re-join
  kubeconfig create --user U [--group G]   a kubeconfig with a client certificate from the hub CA
  secrets rotate-key  new encryption key for Secrets at rest (hub stopped)
  get TYPE [NAME]     list objects as a table (nodes, pods, ns, ...)
  describe node NAME  show a node in detail
  rollout status|pause|resume|abort|undo NAME   a fleet Rollout (waves, gates, rollback)
  install hub|agent   write a hardened systemd unit and start it
  uninstall hub|agent stop it and remove the unit
  image config        write drover.json for a board image's boot partition
  version             print the version

Run \`drover COMMAND --help\` for a command's options.
`;

type Command = (argv: string[]) => Promise<number>;

/** The shipped agent is the bundle (scripts/bundle-agent.mjs, built by `npm run build`): what
 * boards run, so `drover agent` runs it too; the tsc build's agent only when no bundle exists. */
const AGENT_BUNDLE = new URL('../agent-bundle/drover-agent.cjs', import.meta.url);

async function agentCommand(): Promise<Command> {
  return async (argv) => {
    // --supervise (the unit `drover install agent` writes): the agent under its launcher, which
    // starts the current bundle and updates it (agent/update/launcher.ts, issue #10).
    if (argv.includes('--supervise')) {
      const { runSupervised } = await import('../agent/update/launcher-main.js');
      return runSupervised(argv.filter((a) => a !== '--supervise'));
    }
    return (await inProcessAgent())(argv);
  };
}

async function inProcessAgent(): Promise<Command> {
  if (existsSync(AGENT_BUNDLE)) return ((await import(AGENT_BUNDLE.href)) as { runAgent: Command }).runAgent;
  return (await import('./commands/agent.js')).agentCommand;
}

const COMMANDS: Record<string, () => Promise<Command>> = {
  up: async () => (await import('./commands/up.js')).upCommand,
  cluster: async () => (await import('./commands/cluster.js')).clusterCommand,
  hub: async () => (await import('./commands/hub.js')).hubCommand,
  agent: agentCommand,
  token: async () => (await import('./commands/token.js')).tokenCommand,
  node: async () => (await import('./commands/node.js')).nodeCommand,
  kubeconfig: async () => (await import('./commands/kubeconfig.js')).kubeconfigCommand,
  secrets: async () => (await import('./commands/secrets.js')).secretsCommand,
  get: async () => (await import('./commands/get.js')).getCommand,
  describe: async () => (await import('./commands/describe.js')).describeCommand,
  rollout: async () => (await import('./commands/rollout.js')).rolloutCommand,
  install: async () => (await import('./commands/install.js')).installCommand,
  uninstall: async () => (await import('./commands/uninstall.js')).uninstallCommand,
  image: async () => (await import('./commands/image.js')).imageCommand,
  version: async () => async () => {
    process.stdout.write(`${DROVER_VERSION}\n`);
    return 0;
  },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version') return main(['version']);
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`drover: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`drover ${name}: ${e.message}\n\n${e.usage}`);
      return 2;
    }
    if (e instanceof FlagError) {
      process.stderr.write(`drover ${name}: ${e.message} (see drover ${name} --help)\n`);
      return 2;
    }
    process.stderr.write(`drover ${name}: ${(e as Error).message}\n`);
    if (process.env.DROVER_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href || /drover$/.test(process.argv[1] ?? '')) {
  main(process.argv.slice(2)).then((code) => {
    // Long-running commands (hub, agent, up) resolve only when they stop. Let stdout drain,
    // then make sure an idle keep-alive socket does not hold the process open.
    process.exitCode = code;
    setTimeout(() => process.exit(code), 1000).unref();
  });
}
