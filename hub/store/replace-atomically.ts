// Snapshots replace their target in one rename, so a reader (or a crash) never sees half a file:
// the content goes to a temporary sibling first, and the sibling is removed if writing fails.

import { renameSync, rmSync } from 'node:fs';

export async function replaceAtomically(path: string, write: (tmp: string) => unknown): Promise<void> {
  const tmp = `${path}.snapshot-${process.pid}`;
  try {
    await write(tmp);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
