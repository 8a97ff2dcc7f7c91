// Size and free space of a filesystem (statfs, or `df` on Node before 18.15): the nodefs and
// imagefs eviction signals (signals.ts) and image GC's usage read it.

import { execFile } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import { dirname } from 'node:path';

export interface DiskSpace {
  /** Filesystem size, bytes. */
  totalBytes: number;
  /** Available to unprivileged writers, bytes. */
  availableBytes: number;
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
