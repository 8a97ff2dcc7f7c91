// A file replaced whole: written to a temp file beside it, fsync'd, then rename(2)d over it, so
// a power cut leaves the old file or the new one, never half of either.

import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';

export function writeAtomic(path: string, data: Buffer | string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
