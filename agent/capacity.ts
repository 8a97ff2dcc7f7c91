// Node capacity and allocatable as Kubernetes writes them (usage samples: usage.ts).
//
// Reserves subtracted from capacity to get allocatable (kubelet: capacity - reserved - eviction):
//   cpu                100m  for the agent and system daemons (kubelet's system-reserved is 0 by
//                            default, but a board's agent needs headroom)
//   memory             100Mi Kubernetes' default hard eviction threshold memory.available<100Mi
//   ephemeral-storage  10%   Kubernetes' default hard eviction threshold nodefs.available<10%
//   pods               none  (default max pods 110, as the kubelet)

import { execFile } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { ResourceList } from '../shared/api/types.js';

export const RESERVED_CPU_MILLI = 100;
export const RESERVED_MEMORY_BYTES = 100 * 1024 * 1024;
export const RESERVED_STORAGE_FRACTION = 0.1;
export const DEFAULT_MAX_PODS = 110;

export interface MachineResources {
  cpuCount: number;
  memoryBytes: number;
  /** Size of the data dir's filesystem, bytes; undefined when it could not be measured. */
  storageBytes?: number;
  maxPods?: number;
}

export interface NodeResources {
  capacity: ResourceList;
  allocatable: ResourceList;
}

/** Bytes as Kubernetes writes node memory: whole kibibytes, `<n>Ki`. */
export function formatKi(bytes: number): string {
  return `${Math.max(0, Math.floor(bytes / 1024))}Ki`;
}

/** Millicores as a quantity: whole cores without suffix (`4`), else `3900m`. */
export function formatCpuMilli(milli: number): string {
  const m = Math.max(0, Math.floor(milli));
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

export function computeResources(r: MachineResources): NodeResources {
  const pods = String(r.maxPods ?? DEFAULT_MAX_PODS);
  const capacity: ResourceList = {
    cpu: formatCpuMilli(r.cpuCount * 1000),
    memory: formatKi(r.memoryBytes),
    pods,
  };
  const allocatable: ResourceList = {
    cpu: formatCpuMilli(r.cpuCount * 1000 - RESERVED_CPU_MILLI),
    memory: formatKi(r.memoryBytes - RESERVED_MEMORY_BYTES),
    pods,
  };
  if (r.storageBytes !== undefined) {
    capacity['ephemeral-storage'] = formatKi(r.storageBytes);
    allocatable['ephemeral-storage'] = formatKi(r.storageBytes * (1 - RESERVED_STORAGE_FRACTION));
  }
  return { capacity, allocatable };
}

/** Size of the filesystem holding path, bytes. fs.statfs exists from Node 18.15; older: `df -kP`. */
export async function filesystemBytes(path: string): Promise<number | undefined> {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  const statfs = (fsp as { statfs?: (p: string) => Promise<{ bsize: number; blocks: number }> }).statfs;
  if (typeof statfs === 'function') {
    try {
      const s = await statfs(p);
      return s.bsize * s.blocks;
    } catch {
      // fall through to df
    }
  }
  return dfBytes(p);
}

function dfBytes(path: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile('df', ['-kP', path], { timeout: 5000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      // POSIX output: header line, then `fs 1024-blocks used available capacity mount`.
      const fields = stdout.trim().split('\n').pop()?.split(/\s+/) ?? [];
      const kb = Number(fields[1]);
      resolve(Number.isFinite(kb) && kb > 0 ? kb * 1024 : undefined);
    });
  });
}

export async function measureResources(dataDir: string): Promise<NodeResources> {
  return computeResources({
    cpuCount: cpus().length || 1,
    memoryBytes: totalmem(),
    storageBytes: await filesystemBytes(dataDir),
  });
}
