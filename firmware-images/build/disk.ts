// The disk image, without loop devices (CI containers have none): each file system is made in
// its own file (mkfs.vfat + mcopy, mkfs.ext4 -d), an MBR is written with sfdisk, and the two
// are copied in at their offsets. Identifiers and times come from SOURCE_DATE_EPOCH, so the
// same inputs give the same bytes.

import { createHash } from 'node:crypto';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './run.js';

export const BOOT_LABEL = 'DROVERBOOT'; // FAT labels: 11 characters at most
export const ROOT_LABEL = 'drover-root';
const MIB = 1024 * 1024;
const SECTOR = 512;
/** First partition at 4 MiB: erase-block aligned on SD cards (and what Raspberry Pi OS uses). */
export const FIRST_PARTITION_MIB = 4;

/** Deterministic identifiers derived from the epoch and a purpose. */
function derived(epoch: number, what: string): string {
  return createHash('sha256').update(`${epoch}:${what}`).digest('hex');
}

function uuidFrom(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Bytes (4 KiB blocks) and the paths (relative, '/'-rooted) of a tree. */
function treeUsage(dir: string, rel = ''): { bytes: number; paths: string[] } {
  let bytes = 0;
  const paths: string[] = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = `${rel}/${e.name}`;
    paths.push(p);
    if (e.isDirectory()) {
      const u = treeUsage(dir, p);
      bytes += u.bytes + 4096;
      paths.push(...u.paths);
    } else if (e.isFile()) bytes += Math.ceil(statSync(join(dir, p)).size / 4096) * 4096;
  }
  return { bytes, paths };
}

export function makeFat(dir: string, file: string, sizeMiB: number, epoch: number): void {
  rmSync(file, { force: true });
  const volumeId = derived(epoch, 'fat').slice(0, 8);
  run(
    'mkfs.vfat',
    ['-F', '32', '-n', BOOT_LABEL, '-i', volumeId, '--invariant', '-C', file, String(sizeMiB * 1024)],
    {
      capture: true,
    },
  );
  const entries = readdirSync(dir)
    .sort()
    .map((e) => join(dir, e));
  // -s recursive, -m keep mtimes (clamped to the epoch), -Q stop at the first error.
  if (entries.length)
    run('mcopy', ['-s', '-m', '-Q', '-i', file, ...entries, '::/'], {
      env: { ...process.env, MTOOLS_SKIP_CHECK: '1' },
    });
}

/** ext4 holding `dir`, sized to its content plus headroom; returns its size in MiB. */
export function makeExt4(dir: string, file: string, headroomMiB: number, epoch: number): number {
  rmSync(file, { force: true });
  const usage = treeUsage(dir);
  // +10 % for ext4's own metadata (inode tables, journal), then the headroom.
  const sizeMiB = Math.ceil((usage.bytes * 1.1) / MIB) + 64 + headroomMiB;
  const uuid = uuidFrom(derived(epoch, 'ext4'));
  run(
    'mkfs.ext4',
    [
      '-q',
      '-F',
      '-L',
      ROOT_LABEL,
      '-U',
      uuid,
      '-E',
      `hash_seed=${uuidFrom(derived(epoch, 'ext4-hash'))},root_owner=0:0`,
      '-N',
      String(usage.paths.length + 16384),
      '-d',
      dir,
      file,
      `${sizeMiB}M`,
    ],
    // mke2fs stamps its own times from this (e2fsprogs 1.47.0 predates SOURCE_DATE_EPOCH support).
    { env: { ...process.env, E2FSPROGS_FAKE_TIME: String(epoch) } },
  );
  // mke2fs -d copies each file's ctime (no tool sets it on the source tree) and atime (reading a
  // symlink while copying it updates it): stamp the epoch on every inode with debugfs.
  const quotable = usage.paths.filter((p) => !/["\n\\]/.test(p));
  const script = ['/', ...quotable]
    .flatMap((p) => [`sif "${p}" ctime @${epoch}`, `sif "${p}" atime @${epoch}`])
    .join('\n');
  writeFileSync(`${file}.ctime`, `${script}\n`);
  run('debugfs', ['-w', '-f', `${file}.ctime`, file], {
    capture: true,
    env: { ...process.env, E2FSPROGS_FAKE_TIME: String(epoch) },
  });
  rmSync(`${file}.ctime`);
  return sizeMiB;
}

/** MBR: FAT32 LBA boot partition (bootable), then Linux root. */
export function sfdiskScript(bootMiB: number, rootMiB: number, epoch: number): string {
  const s = (mib: number) => (mib * MIB) / SECTOR;
  return [
    'label: dos',
    `label-id: 0x${derived(epoch, 'mbr').slice(0, 8)}`,
    'unit: sectors',
    `start=${s(FIRST_PARTITION_MIB)}, size=${s(bootMiB)}, type=c, bootable`,
    `start=${s(FIRST_PARTITION_MIB + bootMiB)}, size=${s(rootMiB)}, type=83`,
    '',
  ].join('\n');
}

export function assembleDisk(
  image: string,
  fat: string,
  bootMiB: number,
  ext4: string,
  rootMiB: number,
  epoch: number,
): void {
  rmSync(image, { force: true });
  run('truncate', ['-s', `${FIRST_PARTITION_MIB + bootMiB + rootMiB}M`, image]);
  run('sfdisk', ['--no-reread', '--no-tell-kernel', '-q', image], {
    input: sfdiskScript(bootMiB, rootMiB, epoch),
  });
  const put = (src: string, atMiB: number) =>
    run('dd', [`if=${src}`, `of=${image}`, 'bs=1M', `seek=${atMiB}`, 'conv=notrunc,sparse', 'status=none']);
  put(fat, FIRST_PARTITION_MIB);
  put(ext4, FIRST_PARTITION_MIB + bootMiB);
}

export function sha256File(file: string): string {
  return run('sha256sum', [file], { capture: true }).split(' ')[0];
}
