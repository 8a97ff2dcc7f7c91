// The eviction signals, measured cheaply (a heartbeat may ask): memory from /proc/meminfo
// (MemAvailable: the kernel's estimate, where the kubelet reads the root cgroup's working set),
// the data dir's and the image store's filesystems (disk.ts), PIDs from /proc/loadavg's task
// count against /proc/sys/kernel/pid_max. A signal that cannot be read is absent. With a pods
// cgroup (agent --pods-cgroup), memory is that cgroup's (cgroup-memory.ts).

import { tryReadKernelFile } from '../kernel-file.js';
import { cgroupMemory } from './cgroup-memory.js';
import { diskSpace } from './disk.js';
import type { Signal } from './thresholds.js';

export interface Observation {
  available: number;
  capacity: number;
}

export type Observations = Partial<Record<Signal, Observation>>;

async function read(path: string): Promise<string | undefined> {
  return tryReadKernelFile(path);
}

async function memory(): Promise<Observation | undefined> {
  const text = await read('/proc/meminfo');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(text ?? '')?.[1]);
  const total = kb('MemTotal');
  const avail = kb('MemAvailable');
  return total > 0 && Number.isFinite(avail)
    ? { available: avail * 1024, capacity: total * 1024 }
    : undefined;
}

async function pids(): Promise<Observation | undefined> {
  const max = Number((await read('/proc/sys/kernel/pid_max'))?.trim());
  const tasks = Number(/\s\d+\/(\d+)\s/.exec((await read('/proc/loadavg')) ?? '')?.[1]);
  return max > 0 && Number.isFinite(tasks) ? { available: max - tasks, capacity: max } : undefined;
}

async function fs(path: string | undefined): Promise<Observation | undefined> {
  if (!path) return undefined;
  const s = await diskSpace(path);
  return s && s.totalBytes > 0 ? { available: s.availableBytes, capacity: s.totalBytes } : undefined;
}

export async function observe(
  dataDir: string,
  imageFsPath?: string,
  podsCgroup?: string,
): Promise<Observations> {
  const [m, n, i, p] = await Promise.all([
    podsCgroup ? cgroupMemory(podsCgroup) : memory(),
    fs(dataDir),
    fs(imageFsPath),
    pids(),
  ]);
  const out: Observations = {};
  if (m) out['memory.available'] = m;
  if (n) out['nodefs.available'] = n;
  if (i) out['imagefs.available'] = i;
  if (p) out['pid.available'] = p;
  return out;
}
