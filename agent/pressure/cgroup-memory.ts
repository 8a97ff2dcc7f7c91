// memory.available of a memory-limited cgroup that holds the board's pods (agent --pods-cgroup):
// its limit minus its working set, the kubelet's formula (usage minus inactive file pages, which
// the kernel reclaims first), as the kubelet measures allocatable memory on its pods cgroup.
// cgroup v2 (memory.max, memory.current, inactive_file) or v1 (the memory controller's
// memory.limit_in_bytes, memory.usage_in_bytes, total_inactive_file). Absent when the cgroup
// has no limit or cannot be read.

import { join } from 'node:path';
import { tryReadKernelFile } from '../kernel-file.js';
import type { Observation } from './signals.js';

/** Where cgroups are mounted (v2 unified, or v1 with one directory per controller). */
const CGROUP_ROOT = '/sys/fs/cgroup';

async function read(path: string): Promise<string | undefined> {
  return tryReadKernelFile(path)?.trim();
}

function stat(text: string | undefined, key: string): number {
  return Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text ?? '')?.[1] ?? 0);
}

/** A limit this large (v1's "unlimited" is near 2^63) is no limit. */
const UNLIMITED = 2 ** 62;

export async function cgroupMemory(cgroup: string, root = CGROUP_ROOT): Promise<Observation | undefined> {
  const v2 = join(root, cgroup);
  const max = await read(join(v2, 'memory.max'));
  if (max !== undefined) {
    const limit = Number(max);
    const usage = Number(await read(join(v2, 'memory.current')));
    const inactive = stat(await read(join(v2, 'memory.stat')), 'inactive_file');
    return observation(limit, usage, inactive);
  }
  const v1 = join(root, 'memory', cgroup);
  const limit = Number(await read(join(v1, 'memory.limit_in_bytes')));
  const usage = Number(await read(join(v1, 'memory.usage_in_bytes')));
  const inactive = stat(await read(join(v1, 'memory.stat')), 'total_inactive_file');
  return observation(limit, usage, inactive);
}

function observation(limit: number, usage: number, inactive: number): Observation | undefined {
  if (!(limit > 0 && limit < UNLIMITED) || !Number.isFinite(usage)) return undefined;
  const workingSet = Math.max(0, usage - inactive);
  return { available: Math.max(0, limit - workingSet), capacity: limit };
}
