// `drover uninstall hub|agent`: stops and disables the service, removes its unit and
// environment file. The data (StateDirectory) stays unless --purge: a reinstalled agent keeps
// its credential, a reinstalled hub its store. The system user stays (files may still be its).

import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { flagBool, flagString, parseFlags } from '../../agent/flags.js';
import { DEFAULT_ENV_DIR, DEFAULT_UNIT_DIR, STATE_BASE, STATE_NAME, unitName } from '../install/defaults.js';
import { systemctl, systemdRunning } from '../install/system.js';
import { parseRole } from './install.js';

export const UNINSTALL_USAGE = `Usage: drover uninstall hub|agent [--purge] [--root DIR]

Stops and disables drover-<role>.service and removes its unit and environment file.
  --purge      also delete its data in ${STATE_BASE}/${STATE_NAME}/<role> (the agent's credential, the hub's store)
  --root DIR   act on a staging tree written by \`drover install --root DIR\`
`;

export async function uninstallCommand(argv: string[]): Promise<number> {
  const f = parseFlags(argv, {
    purge: { type: 'boolean' },
    root: { type: 'string' },
    help: { type: 'boolean', aliases: ['-h'] },
  });
  if (flagBool(f, 'help')) {
    process.stdout.write(UNINSTALL_USAGE);
    return 0;
  }
  const role = parseRole(f.positionals[0], UNINSTALL_USAGE);
  const root = flagString(f, 'root') ?? '';
  const unit = unitName(role);
  const unitPath = join(root, DEFAULT_UNIT_DIR, unit);
  if (!root && systemdRunning() && existsSync(unitPath)) systemctl(['disable', '--now', unit]);
  const gone = [unitPath, join(root, DEFAULT_ENV_DIR, `${role}.env`)];
  if (flagBool(f, 'purge')) gone.push(join(root, STATE_BASE, STATE_NAME, role));
  for (const p of gone) {
    if (!existsSync(p)) continue;
    rmSync(p, { recursive: true, force: true });
    process.stdout.write(`removed ${p}\n`);
  }
  if (!root && systemdRunning()) systemctl(['daemon-reload']);
  return 0;
}
