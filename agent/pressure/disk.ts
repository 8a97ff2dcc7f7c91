// Disk pressure of the agent's data dir filesystem (kubelet's nodefs signal): DiskPressure=True
// when less than the hard eviction threshold is available (Kubernetes' default
// nodefs.available<10%), with the numbers in the message, so a board whose disk filled up says
// so on its Node instead of failing pod after pod silently. False again once space returns.

import { execFile } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import { dirname } from 'node:path';

/** Kubernetes' default hard eviction threshold nodefs.available<10%, as a fraction. */
export const DISK_PRESSURE_AVAILABLE_FRACTION = 0.1;

export interface DiskSpace {
  /** Filesystem size, bytes. */
  totalBytes: number;
  /** Available to unprivileged writers, bytes. */
  availableBytes: number;
}

export interface DiskPressure {
  pressure: boolean;
  reason: string;
  message: string;
}

/** The condition for a measured filesystem. Pure. */
export function diskPressure(
  path: string,
  s: DiskSpace | undefined,
  fraction = DISK_PRESSURE_AVAILABLE_FRACTION,
): DiskPressure {
  if (!s || !(s.totalBytes > 0))
    return {
      pressure: false,
      reason: 'KubeletHasNoDiskPressure',
      message: `cannot measure the filesystem of ${path}`,
    };
  const pct = (100 * s.availableBytes) / s.totalBytes;
  const numbers = `${Math.floor(s.availableBytes / 1024)} KiB of ${Math.floor(s.totalBytes / 1024)} KiB available (${pct.toFixed(1)}%) on the filesystem of ${path}`;
  return s.availableBytes < s.totalBytes * fraction
    ? { pressure: true, reason: 'KubeletHasDiskPressure', message: `${numbers}, below ${fraction * 100}%` }
    : { pressure: false, reason: 'KubeletHasNoDiskPressure', message: numbers };
}

/** Size and free space of the filesystem holding path. fs.statfs exists from Node 18.15; older: `df -kP`. */
export async function diskSpace(path: string): Promise<DiskSpace | undefined> {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  const statfs = (
    fsp as { statfs?: (p: string) => Promise<{ bsize: number; blocks: number; bavail: number }> }
  ).statfs;
  if (typeof statfs === 'function') {
    try {
      const s = await statfs(p);
      return { totalBytes: s.bsize * s.blocks, availableBytes: s.bsize * s.bavail };
    } catch {
      // fall through to df
    }
  }
  return new Promise((resolve) => {
    execFile('df', ['-kP', p], { timeout: 5000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      // POSIX output: header line, then `fs 1024-blocks used available capacity mount`.
      const f = stdout.trim().split('\n').pop()?.split(/\s+/) ?? [];
      const total = Number(f[1]) * 1024;
      const avail = Number(f[3]) * 1024;
      resolve(
        Number.isFinite(total) && total > 0 && Number.isFinite(avail)
          ? { totalBytes: total, availableBytes: avail }
          : undefined,
      );
    });
  });
}
