// Growing the root partition to the end of the card: growpart (cloud-guest-utils) rewrites the
// partition table; the same call works on a disk image file, which is how it is tested.

import { execFileSync } from 'node:child_process';

export class GrowPartitionError extends Error {
  override name = 'GrowPartitionError';
}

/** Grows partition `partNo` of `disk` (a block device or an image file) to the end of the
 * disk. True when it grew; false when it already ends there (growpart's NOCHANGE, exit 1). */
export function growPartition(disk: string, partNo: number): boolean {
  try {
    execFileSync('growpart', [disk, String(partNo)], { stdio: ['ignore', 'pipe', 'pipe'] });
    return true;
  } catch (e) {
    const out = String((e as { stdout?: Buffer }).stdout ?? '');
    if (out.includes('NOCHANGE')) return false;
    throw new GrowPartitionError(
      `growpart ${disk} ${partNo}: ${out.trim() || String((e as { stderr?: Buffer }).stderr ?? '').trim()}`,
    );
  }
}
