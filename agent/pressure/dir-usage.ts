// Bytes a pod's directory holds on the node's disk (its emptyDir volumes and materialized
// ConfigMaps/Secrets), as the kubelet counts a pod's local ephemeral storage from the blocks
// in use (du), not the apparent file sizes. A file removed while it is walked is skipped.
import { type Dirent, promises as fsp } from 'node:fs';
import { join } from 'node:path';

export async function dirUsageBytes(path: string): Promise<number> {
  let total = 0;
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) total += await dirUsageBytes(p);
    else {
      try {
        total += (await fsp.lstat(p)).blocks * 512;
      } catch {
        // gone meanwhile
      }
    }
  }
  return total;
}

/** Whether two paths are on one filesystem (the same device); false when one cannot be read. */
export async function sameFilesystem(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([fsp.stat(a), fsp.stat(b)]);
    return x.dev === y.dev;
  } catch {
    return false;
  }
}
