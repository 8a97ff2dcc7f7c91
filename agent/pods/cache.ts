// Offline autonomy: the last desired state (pods and the ConfigMaps/Secrets they reference) kept
// on disk, so a node that reboots while its hub is unreachable brings its pods back. The file
// holds Secret data, hence mode 0600; writes are atomic (temp file, fsync, rename).
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { ConfigMap, Pod, Secret } from '../../shared/api/types.js';

export const POD_CACHE_FILE = 'pods-cache.json';
/** Owner read/write only: the cache holds Secret values. */
export const POD_CACHE_MODE = 0o600;

/** DesiredState plus the objects the node's pods reference (what the hub sends a node). */
export interface DesiredPods {
  v: number;
  revision: number;
  pods: Pod[];
  configMaps?: ConfigMap[];
  secrets?: Secret[];
}

export class PodCacheError extends Error {
  override name = 'PodCacheError';
}

export function podCachePath(dataDir: string): string {
  return join(dataDir, POD_CACHE_FILE);
}

export async function savePodCache(dataDir: string, state: DesiredPods): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true });
  const path = podCachePath(dataDir);
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fh = await fs.open(tmp, 'w', POD_CACHE_MODE);
  try {
    await fh.writeFile(JSON.stringify(state));
    await fh.chmod(POD_CACHE_MODE); // open's mode is filtered by the umask
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fs.rename(tmp, path);
}

/** The cached state; undefined when there is none. A damaged file throws PodCacheError. */
export async function loadPodCache(dataDir: string): Promise<DesiredPods | undefined> {
  let text: string;
  try {
    text = await fs.readFile(podCachePath(dataDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PodCacheError(`cannot read ${podCachePath(dataDir)}: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new PodCacheError(`${podCachePath(dataDir)} is not JSON: ${(e as Error).message}`);
  }
  const o = v as Partial<DesiredPods> | null;
  if (!o || typeof o !== 'object' || typeof o.revision !== 'number' || !Array.isArray(o.pods)) {
    throw new PodCacheError(`${podCachePath(dataDir)} does not hold a desired state`);
  }
  return o as DesiredPods;
}
