// First boot as a list of named steps. Each step is idempotent: a run that failed half-way
// (bad config, hub unreachable) is retried by systemd from the start.

import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import {
  BOARD_CONFIG_FILE,
  type BoardConfig,
  BoardConfigError,
  formatBoardConfig,
  parseBoardConfig,
  resolveNodeName,
  withoutToken,
} from '../config/board-config.js';
import { agentConfigFor } from './agent-config.js';
import { growPartition } from './grow.js';
import { FIRSTBOOT_DEFAULTS, FIRSTBOOT_PATHS } from './paths.js';

export interface FirstbootContext {
  log(line: string): void;
  config?: BoardConfig;
  nodeName?: string;
}

export interface Step {
  name: string;
  run(ctx: FirstbootContext): void | Promise<void>;
}

/** Writes a file through a temporary name and a rename: a power cut leaves the old or the new. */
function writeAtomic(path: string, text: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

const sh = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** The board's serial: the device tree's (Raspberry Pi and most ARM boards), else the machine id. */
function boardSerial(): string | undefined {
  for (const p of ['/sys/firmware/devicetree/base/serial-number', '/etc/machine-id']) {
    try {
      const s = readFileSync(p, 'utf8').replace(/\0/g, '').trim();
      if (s) return s;
    } catch {
      // not on this board
    }
  }
  return undefined;
}

const bootConfigPath = join(FIRSTBOOT_PATHS.bootDir, BOARD_CONFIG_FILE);

export const FIRSTBOOT_STEPS: Step[] = [
  {
    // Every board its own SSH host keys (the image carries none); before the config, so a board
    // with a bad config is still reachable.
    name: 'ssh host keys',
    run: (ctx) => {
      if (existsSync('/etc/ssh/ssh_host_ed25519_key') || !existsSync('/usr/bin/ssh-keygen')) return;
      sh('ssh-keygen', ['-A']);
      ctx.log('made SSH host keys');
    },
  },
  {
    name: 'read config',
    run: (ctx) => {
      let text: string;
      try {
        text = readFileSync(bootConfigPath, 'utf8');
      } catch {
        throw new BoardConfigError(
          bootConfigPath,
          'missing: write it with `drover image config --hub ... --token ...` onto the boot partition',
        );
      }
      ctx.config = parseBoardConfig(text);
      ctx.nodeName = resolveNodeName(ctx.config.name, boardSerial());
    },
  },
  {
    // Only the partition labelled drover-root, only when it is what / is mounted from: never
    // a disk this script was not flashed onto (a chroot on a build machine sees the host's /).
    name: 'grow root',
    run: (ctx) => {
      const byLabel = `/dev/disk/by-label/${FIRSTBOOT_PATHS.rootLabel}`;
      if (!existsSync(byLabel)) return ctx.log(`no ${byLabel}: not growing the root file system`);
      const part = realpathSync(byLabel);
      const rootSource = realpathSync(sh('findmnt', ['-no', 'SOURCE', '/']).trim());
      if (rootSource !== part) return ctx.log(`/ is not on ${part}: not growing it`);
      const disk = `/dev/${sh('lsblk', ['-no', 'PKNAME', part]).trim()}`;
      const partNo = Number(
        readFileSync(`/sys/class/block/${part.replace('/dev/', '')}/partition`, 'utf8').trim(),
      );
      const grew = growPartition(disk, partNo);
      // Also when the partition already ends at the disk's end: a run cut after growpart.
      sh('resize2fs', [part]);
      ctx.log(grew ? `grew ${part} to the end of ${disk}` : `${part} already ends at the end of ${disk}`);
    },
  },
  {
    name: 'hostname',
    run: (ctx) => {
      const name = ctx.nodeName as string;
      writeAtomic('/etc/hostname', `${name}\n`, 0o644);
      const hosts = existsSync('/etc/hosts') ? readFileSync('/etc/hosts', 'utf8') : '127.0.0.1\tlocalhost\n';
      const kept = hosts.split('\n').filter((l) => l && !l.startsWith('127.0.1.1'));
      writeAtomic('/etc/hosts', `${[...kept, `127.0.1.1\t${name}`].join('\n')}\n`, 0o644);
      sh('hostname', [name]);
    },
  },
  {
    name: 'ssh authorized keys',
    run: (ctx) => {
      const keys = ctx.config?.sshAuthorizedKeys ?? [];
      if (keys.length) writeAtomic('/root/.ssh/authorized_keys', `${keys.join('\n')}\n`, 0o600);
    },
  },
  {
    // The agent's own config file (root only: it holds the token until the join).
    name: 'agent config',
    run: (ctx) => {
      const agent = agentConfigFor(ctx.config as BoardConfig, ctx.nodeName as string);
      writeAtomic(FIRSTBOOT_PATHS.agentConfig, `${JSON.stringify(agent, null, 2)}\n`, 0o600);
    },
  },
  {
    // drover-agent.service waits for its config file (ConditionPathExists); start it now.
    // Without systemd as init (a chroot), whoever runs this starts the agent.
    name: 'start agent',
    run: (ctx) => {
      if (!existsSync('/run/systemd/system'))
        return ctx.log('systemd is not running: not starting drover-agent');
      sh('systemctl', ['start', '--no-block', 'drover-agent.service']);
    },
  },
  {
    name: 'wait for join',
    run: async (ctx) => {
      const cred = join(FIRSTBOOT_PATHS.agentDataDir, 'credentials.json');
      const deadline = Date.now() + FIRSTBOOT_DEFAULTS.joinWaitMs;
      while (!existsSync(cred)) {
        if (Date.now() > deadline)
          throw new Error(
            `the agent has not joined within ${FIRSTBOOT_DEFAULTS.joinWaitMs / 1000} s (see journalctl -u drover-agent)`,
          );
        await new Promise((r) => setTimeout(r, FIRSTBOOT_DEFAULTS.pollMs));
      }
      ctx.log(`joined as ${ctx.nodeName}`);
    },
  },
  {
    // The token has done its work: keep it neither on the card's FAT partition (readable in any
    // card reader) nor in the agent's config (kubeadm deletes a used bootstrap token likewise).
    name: 'forget token',
    run: (ctx) => {
      const c = ctx.config as BoardConfig;
      if (c.token !== undefined) writeAtomic(bootConfigPath, formatBoardConfig(withoutToken(c)), 0o600);
      const agent = JSON.parse(readFileSync(FIRSTBOOT_PATHS.agentConfig, 'utf8')) as Record<string, unknown>;
      if ('token' in agent) {
        delete agent.token;
        writeAtomic(FIRSTBOOT_PATHS.agentConfig, `${JSON.stringify(agent, null, 2)}\n`, 0o600);
      }
      ctx.log(`removed the bootstrap token from ${bootConfigPath} and ${FIRSTBOOT_PATHS.agentConfig}`);
    },
  },
  {
    name: 'done',
    run: () => writeAtomic(FIRSTBOOT_PATHS.doneMarker, `${new Date().toISOString()}\n`, 0o644),
  },
];
