// Kubelet's AtomicWriter layout, so a running container sees a ConfigMap/Secret update all at
// once: the bind-mounted directory holds `..data -> ..ts-XXXX` (a timestamped directory with the
// files) and one symlink per top-level entry (`key -> ..data/key`). An update writes a new
// timestamped directory and swaps `..data` with a rename, which is atomic.
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface FileEntry {
  data: Buffer;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

const DATA = '..data';

async function readTree(root: string, rel = ''): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const e of await fs.readdir(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) for (const [k, v] of await readTree(root, p)) out.set(k, v);
    else out.set(p, await fs.readFile(join(root, p)));
  }
  return out;
}

async function sameContent(dataDir: string, files: Map<string, FileEntry>): Promise<boolean> {
  let current: Map<string, Buffer>;
  try {
    current = await readTree(dataDir);
  } catch {
    return false;
  }
  if (current.size !== files.size) return false;
  for (const [p, f] of files) {
    const cur = current.get(p);
    if (!cur?.equals(f.data)) return false;
    const st = await fs.stat(join(dataDir, p));
    if ((st.mode & 0o777) !== f.mode) return false;
  }
  return true;
}

/** Makes `dir` show exactly `files` (relative paths), atomically. Returns false when nothing changed. */
export async function writeAtomicDir(dir: string, files: Map<string, FileEntry>): Promise<boolean> {
  await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  const dataLink = join(dir, DATA);
  if (await sameContent(dataLink, files)) return false;
  const tsDir = await fs.mkdtemp(join(dir, '..ts-'));
  await fs.chmod(tsDir, 0o755);
  for (const [p, f] of files) {
    const target = join(tsDir, p);
    await fs.mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await fs.writeFile(target, f.data, { mode: f.mode });
    await fs.chmod(target, f.mode); // writeFile's mode is filtered by the umask
  }
  const tmpLink = join(dir, '..data_tmp');
  await fs.rm(tmpLink, { force: true });
  await fs.symlink(basename(tsDir), tmpLink);
  await fs.rename(tmpLink, dataLink);

  const top = new Set([...files.keys()].map((p) => p.split('/')[0]));
  for (const name of top) {
    const link = join(dir, name);
    const exists = await fs.lstat(link).then(
      () => true,
      () => false,
    );
    if (!exists) await fs.symlink(join(DATA, name), link);
  }
  // Drop entries no longer in the payload, the previous data and any left by a crash mid-update.
  for (const name of await fs.readdir(dir)) {
    const stale = name.startsWith('..ts-')
      ? name !== basename(tsDir)
      : !name.startsWith('..') && !top.has(name);
    if (stale) await fs.rm(join(dir, name), { force: true, recursive: true });
  }
  return true;
}
