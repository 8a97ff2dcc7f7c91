// First boot's partition growth on a real disk image (no loop device): a small image with the
// build's own layout (mkfs.vfat, mkfs.ext4 -d, sfdisk), written to a card larger than itself
// (the file extended), grown with first boot's growPartition. The boot partition and the root's
// start must not move, the root must end at the card's end, the second run must change nothing,
// and the root file system must resize into the new partition and check clean.

import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assembleDisk, makeExt4, makeFat } from '../../firmware-images/build/disk.js';
import { GrowPartitionError, growPartition } from '../../firmware-images/firstboot/grow.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { partitions } from './image-file.js';

const MIB = 1024 * 1024;
const EPOCH = 1_700_000_000;
const BOOT_MIB = 64;
const CARD_EXTRA_MIB = 512; // the card is this much larger than the image

test.after(() => cleanupTempDirs());

function smallImage(): string {
  const dir = tempDir('drover-grow-');
  for (const d of ['boot', 'root/etc']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'boot/config.txt'), 'arm_64bit=1\n');
  writeFileSync(join(dir, 'root/etc/hostname'), 'board\n');
  makeFat(join(dir, 'boot'), join(dir, 'boot.vfat'), BOOT_MIB, EPOCH);
  const rootMiB = makeExt4(join(dir, 'root'), join(dir, 'root.ext4'), 0, EPOCH);
  const image = join(dir, 'card.img');
  assembleDisk(image, join(dir, 'boot.vfat'), BOOT_MIB, join(dir, 'root.ext4'), rootMiB, EPOCH);
  return image;
}

test('grow root: the root partition takes the rest of a larger card, once; boot untouched; ext4 resizes into it', () => {
  const image = smallImage();
  const before = partitions(image);
  truncateSync(image, statSync(image).size + CARD_EXTRA_MIB * MIB);
  const cardSectors = statSync(image).size / 512;

  assert.is(growPartition(image, 2), true);
  const after = partitions(image);
  assert.equal(after.partitions[0], before.partitions[0], 'boot partition unchanged');
  assert.is(after.id, before.id, 'disk identifier (PARTUUIDs) unchanged');
  const [, root] = after.partitions;
  assert.is(root.start, before.partitions[1].start);
  assert.is(root.type, '83');
  // growpart leaves at most its alignment slack (under 1 MiB) at the end of the card.
  const end = root.start + root.size;
  assert.ok(end <= cardSectors && cardSectors - end < 2048, `root ends at ${end} of ${cardSectors} sectors`);
  assert.ok(root.size > before.partitions[1].size + ((CARD_EXTRA_MIB - 1) * MIB) / 512);

  assert.is(growPartition(image, 2), false, 'a second run (the next boot) changes nothing');
  assert.equal(partitions(image), after);

  // The board then runs resize2fs on the partition's device, whose size is the partition's:
  // here the partition's bytes copied out (sparse) stand for that device.
  const dev = join(dirname(image), 'root-partition');
  execFileSync(
    'dd',
    [
      `if=${image}`,
      `of=${dev}`,
      'bs=512',
      `skip=${root.start}`,
      `count=${root.size}`,
      'conv=sparse',
      'status=none',
    ],
    { stdio: 'pipe' },
  );
  truncateSync(dev, root.size * 512);
  execFileSync('resize2fs', [dev], { stdio: 'pipe' });
  const head = execFileSync('dumpe2fs', ['-h', dev], { stdio: 'pipe' }).toString();
  const blocks = Number(/Block count:\s+(\d+)/.exec(head)?.[1]);
  const blockSize = Number(/Block size:\s+(\d+)/.exec(head)?.[1]);
  const perGroup = Number(/Blocks per group:\s+(\d+)/.exec(head)?.[1]);
  const room = Math.floor((root.size * 512) / blockSize);
  // resize2fs may leave a tail too small for a block group's own metadata.
  assert.ok(blocks <= room && room - blocks < perGroup, `ext4 has ${blocks} of ${room} blocks`);
  assert.ok(blocks * blockSize > CARD_EXTRA_MIB * MIB, "ext4 grew by the card's extra space");
  assert.match(head, /Filesystem volume name:\s+drover-root/);
  execFileSync('e2fsck', ['-fn', dev], { stdio: 'pipe' });
});

test('grow root: a partition that does not exist is an error naming it, and the table is unchanged', () => {
  const image = smallImage();
  const before = partitions(image);
  assert.throws(
    () => growPartition(image, 3),
    (e: Error) => e instanceof GrowPartitionError && /growpart .*card\.img 3/.test(e.message),
  );
  assert.equal(partitions(image), before);
});

test.run();
