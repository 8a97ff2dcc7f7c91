// `npm run image -- [options]`: option defaults (each with its unit) and validation in one place.

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FlagSpecs, flagBool, flagString, parseFlags } from '../../agent/flags.js';
import { BOARDS, type Board, type BoardName } from './boards.js';

/** The repository root (this file runs from dist/firmware-images/build/). */
export const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
/** firmware-images/ in the repository: packages list, hooks, overlay. */
export const FIRMWARE_DIR = join(REPO_ROOT, 'firmware-images');

export type Arch = 'arm64';

export interface ImageOptions {
  arch: Arch;
  board: Board;
  /** Where the .img.zst, its .sha256 and the manifest go. */
  outDir: string;
  /** Where bootstrap tarballs are kept between builds (shared by every checkout on the machine). */
  cacheDir: string;
  /** The agent bundle to install (scripts/bundle-agent.mjs output). */
  agentBundle: string;
  /** Debian suite. */
  suite: string;
  /** FAT boot partition size, MiB. */
  bootMiB: number;
  /** Free space left in the root file system before first boot grows it, MiB. */
  rootHeadroomMiB: number;
  /** zstd level of the compressed image (1..19). */
  zstdLevel: number;
  /** Seconds since the epoch stamped on every file and the file systems (reproducible builds). */
  sourceDateEpoch: number;
  /** Keep the staged root tree beside the image (the image test chroots into it). */
  keepRootfs: boolean;
}

export const IMAGE_DEFAULTS = {
  arch: 'arm64',
  board: 'rpi4',
  outDir: join(REPO_ROOT, 'firmware-images/out'),
  cacheDir: join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'drover-firmware'),
  agentBundle: join(REPO_ROOT, 'dist/agent-bundle/drover-agent.cjs'),
  suite: 'bookworm',
  bootMiB: 256, // MiB: kernel + initrd (~45 MiB) twice during a kernel upgrade, firmware, dtbs
  rootHeadroomMiB: 256, // MiB: room for first-boot writes before the partition is grown
  zstdLevel: 12, // a good size/time point for a ~1 GiB image on 2 cores
} as const;

export const IMAGE_USAGE = `Usage: npm run image -- [--arch arm64] [--board rpi4|rpi5|generic] [options]

  --arch arm64          target architecture (arm64; armhf is not built yet)
  --board NAME          rpi4 (Pi 3/4/400/CM4, default), generic (U-Boot extlinux), rpi5 (refused: see README)
  --out DIR             output directory (default firmware-images/out)
  --cache DIR           bootstrap cache (default ${IMAGE_DEFAULTS.cacheDir}; env DROVER_IMAGE_CACHE)
  --agent FILE          agent bundle (default dist/agent-bundle/drover-agent.cjs)
  --keep-rootfs         keep the staged root tree in the output directory (for the image test)
  --zstd-level N        zstd level of the .img.zst, 1-19 (default ${IMAGE_DEFAULTS.zstdLevel}; the image test uses 3: same bytes
                        when unpacked, minutes less on a loaded machine)
Environment: SOURCE_DATE_EPOCH (default: the commit time of HEAD) for a reproducible image.
`;

export class ImageOptionError extends Error {
  override name = 'ImageOptionError';
}

const FLAGS: FlagSpecs = {
  arch: { type: 'string' },
  board: { type: 'string' },
  out: { type: 'string' },
  cache: { type: 'string' },
  agent: { type: 'string' },
  'keep-rootfs': { type: 'boolean' },
  'zstd-level': { type: 'string' },
  help: { type: 'boolean', aliases: ['-h'] },
};

export function parseImageOptions(
  argv: string[],
  env: NodeJS.ProcessEnv,
  commitTime: () => number,
): ImageOptions | 'help' {
  const f = parseFlags(argv, FLAGS);
  if (flagBool(f, 'help')) return 'help';
  if (f.positionals.length)
    throw new ImageOptionError(`unexpected argument ${JSON.stringify(f.positionals[0])}`);
  const arch = flagString(f, 'arch') ?? IMAGE_DEFAULTS.arch;
  if (arch !== 'arm64')
    throw new ImageOptionError(`--arch ${JSON.stringify(arch)}: only arm64 is built (armhf is not yet)`);
  const boardName = flagString(f, 'board') ?? IMAGE_DEFAULTS.board;
  if (!(boardName in BOARDS))
    throw new ImageOptionError(
      `--board ${JSON.stringify(boardName)}: one of ${Object.keys(BOARDS).join(', ')}`,
    );
  const board = BOARDS[boardName as BoardName];
  if (board.unsupported) throw new ImageOptionError(`--board ${board.name}: ${board.unsupported}`);
  const levelText = flagString(f, 'zstd-level');
  const zstdLevel = levelText === undefined ? IMAGE_DEFAULTS.zstdLevel : Number(levelText);
  if (!Number.isInteger(zstdLevel) || zstdLevel < 1 || zstdLevel > 19)
    throw new ImageOptionError(`--zstd-level ${JSON.stringify(levelText)}: an integer from 1 to 19`);
  const epochText = env.SOURCE_DATE_EPOCH;
  const sourceDateEpoch = epochText === undefined ? commitTime() : Number(epochText);
  if (!Number.isInteger(sourceDateEpoch) || sourceDateEpoch < 0)
    throw new ImageOptionError(
      `SOURCE_DATE_EPOCH=${JSON.stringify(epochText)}: seconds since 1970, an integer`,
    );
  return {
    arch,
    board,
    outDir: resolve(flagString(f, 'out') ?? IMAGE_DEFAULTS.outDir),
    cacheDir: resolve(flagString(f, 'cache') ?? env.DROVER_IMAGE_CACHE ?? IMAGE_DEFAULTS.cacheDir),
    agentBundle: resolve(flagString(f, 'agent') ?? IMAGE_DEFAULTS.agentBundle),
    suite: IMAGE_DEFAULTS.suite,
    bootMiB: IMAGE_DEFAULTS.bootMiB,
    rootHeadroomMiB: IMAGE_DEFAULTS.rootHeadroomMiB,
    zstdLevel,
    sourceDateEpoch,
    keepRootfs: flagBool(f, 'keep-rootfs'),
  };
}
