// The Debian root file system, bootstrapped with mmdebstrap (packages run under qemu-user for a
// foreign arch) and cached as a tarball keyed by everything that shapes it: suite, arch,
// mirror, package list, the hook scripts and the files they copy. An agent change does not
// change the key, so a rebuild skips the bootstrap.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { DebianMirror } from './mirror.js';
import { run } from './run.js';

/** SOURCE_DATE_EPOCH of the bootstrap itself (2025-05-20, the Debian snapshot this machine's
 * mirror serves): constant so the cached tarball does not change with every commit; the image
 * step clamps every file to the build's own SOURCE_DATE_EPOCH afterwards. */
export const BOOTSTRAP_EPOCH = 1747699200;

export interface BootstrapInputs {
  suite: string;
  arch: string;
  mirror: DebianMirror;
  packages: string[];
  /** Path of the customize hook (firmware-images/rootfs/customize.sh); every `*.sh` beside it
   * (the essential hook, the scripts the hooks call) is part of the cache key. */
  hook: string;
  /** Path of the essential hook (firmware-images/rootfs/divert.sh). */
  essentialHook: string;
  /** Directory the hook copies into the root (firmware-images/rootfs/base). */
  baseDir: string;
}

/** Package names from packages.list: one a line, `#` comments and blank lines ignored, sorted. */
export function parsePackageList(text: string): string[] {
  return [
    ...new Set(
      text
        .split('\n')
        .map((l) => l.replace(/#.*/, '').trim())
        .filter(Boolean),
    ),
  ].sort();
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Mirror URLs as apt source lines: the release, its updates and its security archive. */
export function sourceLines(suite: string, mirror: DebianMirror): string[] {
  const components = 'main non-free-firmware';
  return [
    `deb ${mirror.debian} ${suite} ${components}`,
    `deb ${mirror.debian} ${suite}-updates ${components}`,
    `deb ${mirror.security} ${suite}-security ${components}`,
  ];
}

export function mmdebstrapArgs(inputs: BootstrapInputs, target: string): string[] {
  return [
    '--mode=root',
    '--variant=minbase',
    `--architectures=${inputs.arch}`,
    // The snapshot-served mirror's Release files are past their Valid-Until date.
    '--aptopt=Acquire::Check-Valid-Until "false"',
    '--aptopt=APT::Install-Recommends "false"',
    `--include=${inputs.packages.join(',')}`,
    `--essential-hook=sh ${inputs.essentialHook} "$1"`,
    `--customize-hook=sh ${inputs.hook} "$1"`,
    inputs.suite,
    target,
    ...sourceLines(inputs.suite, inputs.mirror),
  ];
}

/** sha256 over every input that shapes the bootstrap (hook scripts and base files by content). */
export function bootstrapKey(inputs: BootstrapInputs): string {
  const h = createHash('sha256');
  // Hooks by name, not path: every checkout on the machine (and CI's) shares the cache.
  const args = mmdebstrapArgs(
    { ...inputs, hook: basename(inputs.hook), essentialHook: basename(inputs.essentialHook) },
    'TARGET',
  );
  h.update(JSON.stringify({ epoch: BOOTSTRAP_EPOCH, args }));
  const hookDir = dirname(inputs.hook);
  for (const f of readdirSync(hookDir)
    .filter((f) => f.endsWith('.sh'))
    .sort()) {
    h.update(`\0${f}\0`);
    h.update(readFileSync(join(hookDir, f)));
  }
  for (const f of filesUnder(inputs.baseDir)) {
    h.update(`\0${relative(inputs.baseDir, f)}\0`);
    h.update(readFileSync(f));
  }
  return h.digest('hex').slice(0, 16);
}

export function cachedTarball(cacheDir: string, inputs: BootstrapInputs): string {
  return join(cacheDir, `rootfs-${inputs.suite}-${inputs.arch}-${bootstrapKey(inputs)}.tar`);
}

/** Returns the cached tarball, bootstrapping it first when the cache has none for these inputs. */
export function ensureBootstrap(cacheDir: string, inputs: BootstrapInputs, log: (s: string) => void): string {
  const tarball = cachedTarball(cacheDir, inputs);
  if (existsSync(tarball)) {
    log(`bootstrap cache hit: ${tarball}`);
    return tarball;
  }
  log(`bootstrap cache miss: running mmdebstrap for ${inputs.suite}/${inputs.arch} (slow under qemu)`);
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${tarball}.partial.tar`;
  rmSync(partial, { force: true });
  run('nice', ['-n', '10', 'mmdebstrap', ...mmdebstrapArgs(inputs, partial)], {
    env: { ...process.env, SOURCE_DATE_EPOCH: String(BOOTSTRAP_EPOCH) },
  });
  renameSync(partial, tarball);
  return tarball;
}
