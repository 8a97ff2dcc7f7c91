// `drover install hub|agent`: a hardened systemd unit and its environment file, a dedicated
// system user, then `systemctl enable --now` when systemd runs this machine. `--root DIR`
// writes under DIR instead (a staging tree for an image; no user, no systemctl).

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FlagSpecs, flagBool, flagString, parseFlags } from '../../agent/flags.js';
import { UsageError } from '../common.js';
import {
  AGENT_LIMIT_NOFILE,
  DEFAULT_ENV_DIR,
  DEFAULT_SERVICE_USER,
  DEFAULT_UNIT_DIR,
  DOCKER_GROUP,
  HUB_LIMIT_NOFILE,
  ROLES,
  type Role,
  STATE_BASE,
  STATE_NAME,
  unitName,
} from '../install/defaults.js';
import { argsValue, renderEnvFile } from '../install/env-file.js';
import {
  createSystemUser,
  groupExists,
  readableByOthers,
  systemctl,
  systemdRunning,
  userExists,
} from '../install/system.js';
import { renderUnit } from '../install/unit.js';

export const INSTALL_USAGE = `Usage: drover install hub|agent [options] [-- extra flags for drover hub|agent]

Writes a hardened systemd unit (drover-hub.service or drover-agent.service) and its
environment file, creates the system user, and enables and starts the service when systemd
runs this machine. Data lives in ${STATE_BASE}/${STATE_NAME}/<role> (systemd's StateDirectory).

Options:
  --hub URL            agent: the hub's MQTT URL (required for the agent)
  --token TOKEN        agent: bootstrap token for the first join
  --name NAME          agent: node name (default: the hostname)
  --labels a=b,c=d     agent: board labels
  --user NAME          service user (default ${DEFAULT_SERVICE_USER}); --user root runs as root
  --root DIR           write under DIR (staging); creates no user and runs no systemctl
  --no-start           write the files only
`;

const FLAGS: FlagSpecs = {
  hub: { type: 'string' },
  token: { type: 'string' },
  name: { type: 'string' },
  labels: { type: 'string' },
  user: { type: 'string' },
  root: { type: 'string' },
  'no-start': { type: 'boolean' },
  help: { type: 'boolean', aliases: ['-h'] },
};

interface Plan {
  role: Role;
  /** Staging root or '' for this machine. */
  root: string;
  unitPath: string;
  envPath: string;
  unit: string;
  env: string;
  user?: string;
  createUser: boolean;
  start: boolean;
  warnings: string[];
}

export function parseRole(arg: string | undefined, usage: string): Role {
  if (!arg || !(ROLES as readonly string[]).includes(arg))
    throw new UsageError('say which: hub or agent', usage);
  return arg as Role;
}

function plan(argv: string[]): Plan {
  const f = parseFlags(argv, FLAGS);
  const [roleArg, ...extra] = f.positionals;
  const role = parseRole(roleArg, INSTALL_USAGE);
  const root = flagString(f, 'root') ?? '';
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  const warnings: string[] = [];
  const requested = flagString(f, 'user') ?? DEFAULT_SERVICE_USER;
  let user: string | undefined = requested === 'root' ? undefined : requested;
  const groups: string[] = [];
  if (role === 'agent' && user) {
    // The engine's socket is root:docker 0660: a dedicated user needs the group, else root.
    if (groupExists(DOCKER_GROUP)) groups.push(DOCKER_GROUP);
    else {
      warnings.push(
        `no "${DOCKER_GROUP}" group on this machine: the agent runs as root to reach the container engine`,
      );
      user = undefined;
    }
  }
  if (user && !readableByOthers(main))
    warnings.push(
      `${main} is not readable by other users: install Drover under /opt (or --user root) so ${user} can run it`,
    );
  const stateDir = `${STATE_BASE}/${STATE_NAME}/${role}`;
  const envPath = join(DEFAULT_ENV_DIR, `${role}.env`);
  let vars: Record<string, string | undefined>;
  if (role === 'agent') {
    const hub = flagString(f, 'hub');
    if (!hub) throw new UsageError('the agent needs --hub mqtt://HOST:PORT', INSTALL_USAGE);
    vars = {
      DROVER_HUB: hub,
      DROVER_TOKEN: flagString(f, 'token'),
      DROVER_NODE_NAME: flagString(f, 'name'),
      DROVER_LABELS: flagString(f, 'labels'),
      DROVER_DATA_DIR: stateDir,
      DROVER_ARGS: argsValue(extra),
    };
  } else {
    for (const k of ['hub', 'token', 'name', 'labels'] as const)
      if (flagString(f, k) !== undefined) throw new UsageError(`--${k} is for the agent`, INSTALL_USAGE);
    vars = { DROVER_ARGS: argsValue(['--data-dir', stateDir, ...extra]) };
  }
  return {
    role,
    root,
    unitPath: join(root, DEFAULT_UNIT_DIR, unitName(role)),
    envPath: join(root, envPath),
    unit: renderUnit({
      role,
      node: process.execPath,
      main,
      envFile: envPath,
      user,
      supplementaryGroups: groups,
      limitNoFile: role === 'hub' ? HUB_LIMIT_NOFILE : AGENT_LIMIT_NOFILE,
    }),
    env: renderEnvFile(`drover ${role} settings, read by ${unitName(role)} (drover install)`, vars),
    user,
    createUser: !root && user !== undefined && !userExists(user),
    start: !root && !flagBool(f, 'no-start'),
    warnings,
  };
}

/** The install as named steps, run in order. */
function steps(p: Plan): [string, () => void][] {
  return [
    [
      'create the service user',
      () => {
        if (p.createUser && p.user) createSystemUser(p.user, `${STATE_BASE}/${STATE_NAME}`);
      },
    ],
    [
      'write the environment file (0600)',
      () => {
        mkdirSync(join(p.envPath, '..'), { recursive: true, mode: 0o755 });
        writeFileSync(p.envPath, p.env, { mode: 0o600 });
        chmodSync(p.envPath, 0o600);
      },
    ],
    [
      'write the unit',
      () => {
        mkdirSync(join(p.unitPath, '..'), { recursive: true, mode: 0o755 });
        writeFileSync(p.unitPath, p.unit, { mode: 0o644 });
      },
    ],
    [
      'enable and start',
      () => {
        if (!p.start) return;
        if (!systemdRunning()) {
          p.warnings.push(
            `systemd is not running this machine: start it with \`systemctl enable --now ${unitName(p.role)}\` where it is`,
          );
          return;
        }
        systemctl(['daemon-reload']);
        systemctl(['enable', '--now', unitName(p.role)]);
      },
    ],
  ];
}

export async function installCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(INSTALL_USAGE);
    return 0;
  }
  const p = plan(argv);
  for (const [name, run] of steps(p)) {
    try {
      run();
    } catch (e) {
      throw new Error(`install ${p.role}: ${name}: ${(e as Error).message}`);
    }
  }
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(`wrote ${p.unitPath}`);
  say(`wrote ${p.envPath} (0600)`);
  if (p.createUser) say(`created system user ${p.user}`);
  for (const w of p.warnings) process.stderr.write(`drover install: ${w}\n`);
  if (p.start && systemdRunning())
    say(`${unitName(p.role)} enabled and started: journalctl -u ${unitName(p.role)} -f`);
  return 0;
}
