// The root tree of one image: the cached Debian bootstrap, then what changes with the agent
// (the bundle, first boot, their units), then every timestamp clamped to SOURCE_DATE_EPOCH.
// Runs on the host only: no qemu, so this part takes seconds.

import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { run } from './run.js';

/** Where the agent and first boot live on the board. */
export const BOARD_LIB_DIR = 'usr/lib/drover';
const UNIT_DIR = 'etc/systemd/system';

export function extractBootstrap(tarball: string, root: string): void {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  run('tar', ['--numeric-owner', '--xattrs', '--xattrs-include=*', '-xpf', tarball, '-C', root]);
}

export function copyOverlay(overlayDir: string, root: string): void {
  run('cp', ['-a', '--no-preserve=ownership', `${overlayDir}/.`, `${root}/`]);
}

/** The agent bundle and its source map; returns the bundle's sha256. */
export function installAgent(bundle: string, root: string): string {
  if (!existsSync(bundle))
    throw new Error(`no agent bundle at ${bundle}: run node scripts/bundle-agent.mjs (npm run image does)`);
  const dir = join(root, BOARD_LIB_DIR);
  mkdirSync(dir, { recursive: true });
  copyFileSync(bundle, join(dir, 'drover-agent.cjs'));
  chmodSync(join(dir, 'drover-agent.cjs'), 0o755);
  if (existsSync(`${bundle}.map`)) copyFileSync(`${bundle}.map`, join(dir, 'drover-agent.cjs.map'));
  return createHash('sha256').update(readFileSync(bundle)).digest('hex');
}

/** First boot, bundled for the board's Node 18 (one file, like the agent). */
export async function installFirstboot(entry: string, root: string): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile: join(root, BOARD_LIB_DIR, 'firstboot.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'esm',
    legalComments: 'none',
    logLevel: 'warning',
  });
}

/** `systemctl enable` for the overlay's units, done by hand: [Install] WantedBy= symlinks. */
export function enableUnits(overlayDir: string, root: string): string[] {
  const enabled: string[] = [];
  const units = join(overlayDir, UNIT_DIR);
  for (const unit of readdirSync(units)
    .filter((f) => f.endsWith('.service'))
    .sort()) {
    const text = readFileSync(join(units, unit), 'utf8');
    for (const m of text.matchAll(/^WantedBy=(.+)$/gm))
      for (const target of m[1].trim().split(/\s+/)) {
        const wants = join(root, UNIT_DIR, `${target}.wants`);
        mkdirSync(wants, { recursive: true });
        rmSync(join(wants, unit), { force: true });
        symlinkSync(`/${UNIT_DIR}/${unit}`, join(wants, unit));
        enabled.push(`${target}.wants/${unit}`);
      }
  }
  return enabled;
}

export function writeImageInfo(root: string, info: object): void {
  writeFileSync(join(root, BOARD_LIB_DIR, 'image.json'), `${JSON.stringify(info, null, 2)}\n`);
}

/** Every path's mtime set to SOURCE_DATE_EPOCH (reproducible-builds.org's clamp, made total). */
export function clampTimes(root: string, epoch: number): void {
  run('find', [root, '-exec', 'touch', '--no-dereference', `--date=@${epoch}`, '{}', '+']);
}
