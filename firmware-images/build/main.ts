// `npm run image -- --arch arm64 --board rpi4`: a flashable image as a list of named steps.
// Outputs in firmware-images/out/: drover-<board>-<arch>.img (sparse), .img.zst, .img.zst.sha256
// and .manifest.json.

import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FlagError } from '../../agent/flags.js';
import { ensureBootstrap, parsePackageList } from './bootstrap.js';
import { assembleDisk, makeExt4, makeFat, sha256File } from './disk.js';
import { installedPackages } from './manifest.js';
import { hostMirror } from './mirror.js';
import {
  FIRMWARE_DIR,
  IMAGE_USAGE,
  type ImageOptions,
  ImageOptionError,
  parseImageOptions,
  REPO_ROOT,
} from './options.js';
import { run } from './run.js';
import {
  clampTimes,
  copyOverlay,
  enableUnits,
  extractBootstrap,
  installAgent,
  installFirstboot,
  writeImageInfo,
} from './stage.js';

/** Paths of one build's files. */
export function imagePaths(o: Pick<ImageOptions, 'outDir' | 'arch'> & { board: { name: string } }) {
  const base = join(o.outDir, `drover-${o.board.name}-${o.arch}`);
  return {
    rootfs: `${base}.rootfs`,
    bootTree: `${base}.boot`,
    fat: `${base}.boot.vfat`,
    ext4: `${base}.root.ext4`,
    image: `${base}.img`,
    compressed: `${base}.img.zst`,
    sha256: `${base}.img.zst.sha256`,
    manifest: `${base}.manifest.json`,
  };
}

interface BuildState {
  o: ImageOptions;
  paths: ReturnType<typeof imagePaths>;
  tarball?: string;
  agent?: { version: string; commit: string; sha256: string };
  rootMiB?: number;
  enabledUnits?: string[];
  started: number;
}

const log = (s: string) => process.stdout.write(`image: ${s}\n`);

function git(args: string[]): string {
  try {
    return run('git', ['-C', REPO_ROOT, ...args], { capture: true }).trim();
  } catch {
    return '';
  }
}

const STEPS: { name: string; run(s: BuildState): void | Promise<void> }[] = [
  {
    name: 'bootstrap (cached)',
    run: (s) => {
      const rootfsDir = join(FIRMWARE_DIR, 'rootfs');
      s.tarball = ensureBootstrap(
        s.o.cacheDir,
        {
          suite: s.o.suite,
          arch: s.o.arch,
          mirror: hostMirror(),
          packages: parsePackageList(readFileSync(join(rootfsDir, 'packages.list'), 'utf8')),
          hook: join(rootfsDir, 'customize.sh'),
          essentialHook: join(rootfsDir, 'divert.sh'),
          baseDir: join(rootfsDir, 'base'),
        },
        log,
      );
    },
  },
  {
    name: 'root tree',
    run: async (s) => {
      const root = s.paths.rootfs;
      extractBootstrap(s.tarball as string, root);
      const overlay = join(FIRMWARE_DIR, 'rootfs/overlay');
      copyOverlay(overlay, root);
      const sha256 = installAgent(s.o.agentBundle, root);
      const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
      s.agent = { version: pkg.version, commit: git(['describe', '--always', '--dirty']), sha256 };
      await installFirstboot(join(REPO_ROOT, 'dist/firmware-images/firstboot/main.js'), root);
      s.enabledUnits = enableUnits(overlay, root);
      writeImageInfo(root, { board: s.o.board.name, arch: s.o.arch, agent: s.agent });
    },
  },
  {
    // The boot partition's files move out of the root tree (/boot/firmware is its mount point).
    name: 'boot tree',
    run: (s) => {
      const root = s.paths.rootfs;
      const boot = s.paths.bootTree;
      rmSync(boot, { recursive: true, force: true });
      mkdirSync(boot, { recursive: true });
      const fw = join(root, 'boot/firmware');
      if (s.o.board.raspiFirmware) cpSync(fw, boot, { recursive: true });
      if (s.o.board.extlinux) writeExtlinux(root, boot);
      rmSync(fw, { recursive: true, force: true });
      mkdirSync(fw, { mode: 0o755 });
    },
  },
  {
    name: 'clamp times',
    run: (s) => {
      clampTimes(s.paths.rootfs, s.o.sourceDateEpoch);
      clampTimes(s.paths.bootTree, s.o.sourceDateEpoch);
    },
  },
  {
    name: 'file systems',
    run: (s) => {
      makeFat(s.paths.bootTree, s.paths.fat, s.o.bootMiB, s.o.sourceDateEpoch);
      s.rootMiB = makeExt4(s.paths.rootfs, s.paths.ext4, s.o.rootHeadroomMiB, s.o.sourceDateEpoch);
    },
  },
  {
    name: 'disk image',
    run: (s) => {
      assembleDisk(
        s.paths.image,
        s.paths.fat,
        s.o.bootMiB,
        s.paths.ext4,
        s.rootMiB as number,
        s.o.sourceDateEpoch,
      );
      rmSync(s.paths.fat);
      rmSync(s.paths.ext4);
      rmSync(s.paths.bootTree, { recursive: true });
    },
  },
  {
    name: 'compress',
    run: (s) => {
      run('zstd', ['-q', '-f', `-${s.o.zstdLevel}`, '-T2', s.paths.image, '-o', s.paths.compressed]);
      const sum = sha256File(s.paths.compressed);
      writeFileSync(s.paths.sha256, `${sum}  ${s.paths.compressed.split('/').pop()}\n`);
    },
  },
  {
    name: 'manifest',
    run: (s) => {
      const status = readFileSync(join(s.paths.rootfs, 'var/lib/dpkg/status'), 'utf8');
      const manifest = {
        board: s.o.board.name,
        boot: s.o.board.boot,
        arch: s.o.arch,
        suite: s.o.suite,
        agent: s.agent,
        sourceDateEpoch: s.o.sourceDateEpoch,
        builtAt: new Date().toISOString(),
        buildSeconds: Math.round((Date.now() - s.started) / 1000),
        bootstrap: s.tarball?.split('/').pop(),
        enabledUnits: s.enabledUnits,
        image: {
          file: s.paths.image.split('/').pop(),
          sha256: sha256File(s.paths.image),
          bootMiB: s.o.bootMiB,
          rootMiB: s.rootMiB,
        },
        compressed: {
          file: s.paths.compressed.split('/').pop(),
          sha256: readFileSync(s.paths.sha256, 'utf8').split(' ')[0],
        },
        packages: installedPackages(status),
      };
      writeFileSync(s.paths.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
      if (!s.o.keepRootfs) rmSync(s.paths.rootfs, { recursive: true, force: true });
    },
  },
];

/** extlinux.conf for U-Boot's distro boot, with the Debian kernel, initrd and device trees. */
function writeExtlinux(root: string, boot: string): void {
  const kernel = readdirSync(join(root, 'boot')).find((f) => f.startsWith('vmlinuz-'));
  if (!kernel) throw new Error('no kernel in /boot of the root tree');
  const version = kernel.slice('vmlinuz-'.length);
  cpSync(join(root, 'boot', kernel), join(boot, kernel));
  cpSync(join(root, 'boot', `initrd.img-${version}`), join(boot, `initrd.img-${version}`));
  cpSync(join(root, 'usr/lib', `linux-image-${version}`), join(boot, 'dtbs'), { recursive: true });
  mkdirSync(join(boot, 'extlinux'));
  writeFileSync(
    join(boot, 'extlinux/extlinux.conf'),
    [
      'default drover',
      'timeout 1',
      'label drover',
      `  kernel /${kernel}`,
      `  initrd /initrd.img-${version}`,
      '  fdtdir /dtbs',
      '  append root=LABEL=drover-root rw rootwait console=ttyAMA0,115200 console=tty0',
      '',
    ].join('\n'),
  );
}

export async function buildImage(o: ImageOptions): Promise<ReturnType<typeof imagePaths>> {
  const s: BuildState = { o, paths: imagePaths(o), started: Date.now() };
  mkdirSync(o.outDir, { recursive: true });
  for (const step of STEPS) {
    const t0 = Date.now();
    await step.run(s);
    log(`${step.name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  log(
    `${s.paths.compressed} (${existsSync(s.paths.compressed) ? 'ok' : 'missing'}), manifest ${s.paths.manifest}`,
  );
  return s.paths;
}

async function main(argv: string[]): Promise<number> {
  try {
    const o = parseImageOptions(argv, process.env, () => Number(git(['log', '-1', '--format=%ct'])) || 0);
    if (o === 'help') {
      process.stdout.write(IMAGE_USAGE);
      return 0;
    }
    await buildImage(o);
    return 0;
  } catch (e) {
    if (e instanceof ImageOptionError || e instanceof FlagError) {
      process.stderr.write(`image: ${e.message}\n\n${IMAGE_USAGE}`);
      return 2;
    }
    process.stderr.write(`image: ${(e as Error).message}\n`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  main(process.argv.slice(2)).then((c) => process.exit(c));
