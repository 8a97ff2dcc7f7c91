// The hub's malloc_trim addon (hub/native/malloc-trim, built at `npm ci` on Linux with glibc):
// gives glibc's free heap pages back to the OS after a heap give-back (hub/heap-give-back.ts).
// Where it was not built (another OS, musl, no compiler) the hub runs without it.

import { createRequire } from 'node:module';
import { createLogger } from '../shared/log.js';

export interface MallocStats {
  /** Bytes malloc holds from the OS outside its own mmaps (all arenas). */
  arenaBytes: number;
  /** Of those, bytes free (in holes and at the top). */
  freeBytes: number;
}

export interface MallocTrim {
  /** malloc_trim(0): true when some memory went back to the OS. */
  trim(): boolean;
  /** mallinfo2's totals; undefined on a glibc older than 2.33. */
  stats(): MallocStats | undefined;
}

/** The built addon, from this file's place in dist/hub/ (node-gyp's output beside the source). */
export const MALLOC_TRIM_ADDON = new URL(
  '../../hub/native/malloc-trim/build/Release/malloc_trim.node',
  import.meta.url,
).pathname;

const log = createLogger('malloc-trim');
const loaded = new Map<string, MallocTrim | undefined>();

/** The addon at path, or undefined (logged once at debug level) when it is absent or does not load. */
export function loadMallocTrim(path: string = MALLOC_TRIM_ADDON): MallocTrim | undefined {
  if (loaded.has(path)) return loaded.get(path);
  let addon: MallocTrim | undefined;
  try {
    const m = createRequire(import.meta.url)(path) as Partial<MallocTrim>;
    if (typeof m.trim === 'function' && typeof m.stats === 'function') addon = m as MallocTrim;
    else log.debug('addon lacks trim/stats; running without malloc_trim', { path });
  } catch (e) {
    log.debug('no addon; running without malloc_trim', { path, error: e });
  }
  loaded.set(path, addon);
  return addon;
}
