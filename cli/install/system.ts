// What `drover install` asks of the machine: users and groups, systemd running, systemctl.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export function userExists(name: string): boolean {
  return spawnSync('id', ['-u', name], { stdio: 'ignore' }).status === 0;
}

export function groupExists(name: string): boolean {
  return spawnSync('getent', ['group', name], { stdio: 'ignore' }).status === 0;
}

/** A system user with no login and no home of its own (systemd's StateDirectory holds its data). */
export function createSystemUser(name: string, home: string): void {
  execFileSync(
    'useradd',
    [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      home,
      '--shell',
      '/usr/sbin/nologin',
      name,
    ],
    {
      stdio: 'inherit',
    },
  );
}

/** systemd is PID 1 here (sd_booted(3)): systemctl can reload and start units. */
export function systemdRunning(): boolean {
  return existsSync('/run/systemd/system');
}

export function systemctl(args: string[]): void {
  execFileSync('systemctl', args, { stdio: 'inherit' });
}

/** Whether any user can read `file` (each directory above it searchable by others, the file readable). */
export function readableByOthers(file: string): boolean {
  try {
    if (!(statSync(file).mode & 0o004)) return false;
    for (let d = dirname(file); ; d = dirname(d)) {
      if (!(statSync(d).mode & 0o001)) return false;
      if (d === dirname(d)) return true;
    }
  } catch {
    return false;
  }
}
