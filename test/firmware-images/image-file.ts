// Reading a built image without mounting it: the partition table (sfdisk --json), the FAT
// boot partition through mtools at its byte offset, the ext4 root through debugfs.

import { execFileSync } from 'node:child_process';

export interface Partition {
  start: number;
  size: number;
  type: string;
  bootable?: boolean;
}

export function partitions(image: string): { label: string; id: string; partitions: Partition[] } {
  const out = JSON.parse(execFileSync('sfdisk', ['--json', image]).toString()) as {
    partitiontable: { label: string; id: string; partitions: Partition[] };
  };
  return out.partitiontable;
}

const MTOOLS_ENV = { ...process.env, MTOOLS_SKIP_CHECK: '1' };

/** mtools' `-i image@@offset` for partition n (0-based). */
export function fatRef(image: string, n = 0): string {
  return `${image}@@${partitions(image).partitions[n].start * 512}`;
}

export function mtools(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { env: MTOOLS_ENV, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** debugfs request against the root partition (e2fsprogs' `file?offset=` I/O option). */
export function debugfs(image: string, request: string): string {
  const off = partitions(image).partitions[1].start * 512;
  return execFileSync('debugfs', ['-R', request, `${image}?offset=${off}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
}
