// The image's own root tree as a running system without booting it: commands run under
// qemu-user (binfmt_misc, F flag) in a chroot, inside a private mount and UTS namespace
// (unshare), so the binds (/proc, /sys, /dev, the host's Docker socket, the boot partition's
// stand-in) and a hostname change vanish with the process and never touch the host.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trackProcess } from '../helpers/procs.js';

export interface ChrootOptions {
  root: string;
  /** Environment for the command inside (PATH is Debian's). */
  env?: Record<string, string>;
}

const BINDS = ['/proc', '/sys', '/dev'];

function script(root: string): string {
  const binds = BINDS.map((b) => `mount --rbind ${b} ${root}${b}`);
  // /var/run is /run in Debian: the agent's default Docker socket path resolves there.
  return [
    'set -e',
    ...binds,
    `mount -t tmpfs tmpfs ${root}/run`,
    `touch ${root}/run/docker.sock`,
    `mount --bind /var/run/docker.sock ${root}/run/docker.sock`,
    `exec chroot ${root} "$@"`,
  ].join('\n');
}

/** Runs `cmd args` in the chroot; the child's output is collected. */
export function chrootSpawn(o: ChrootOptions, cmd: string, args: string[]) {
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    ...(o.env ?? {}),
  };
  const proc = spawn(
    'unshare',
    [
      '--mount',
      '--uts',
      '--propagation',
      'private',
      '--fork',
      // Without it, stopping (or killing) unshare leaves the chrooted command running, and
      // the test process waits on its pipes for ever: the command gets SIGTERM when unshare goes.
      '--kill-child=SIGTERM',
      '--',
      'sh',
      '-c',
      script(o.root),
      'chroot',
      cmd,
      ...args,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return trackProcess(proc);
}

/** A unit file's ExecStart command line and Environment= values, as systemd would run it. */
export function unitCommand(root: string, unit: string): { argv: string[]; env: Record<string, string> } {
  const text = readFileSync(join(root, 'etc/systemd/system', unit), 'utf8');
  const exec = /^ExecStart=(.+)$/m.exec(text);
  if (!exec) throw new Error(`${unit} has no ExecStart`);
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^Environment=([^=\s]+)=(.*)$/gm)) env[m[1]] = m[2];
  return { argv: exec[1].trim().split(/\s+/), env };
}
