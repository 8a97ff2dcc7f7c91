// Reads from an informer's cache that never go back behind the reader's own writes. A
// component that reads an object from the cache, decides, and writes through the API can read
// the cache again a moment later, before the watch has brought its own write back: it would
// decide on the state before its write (and, finding nothing to do, leave a change undone).
// The reader says what it wrote (wrote()); until the cache holds that resourceVersion or a
// later one, get() answers undefined and the reader reads the store instead. This is what
// upstream gets from a GET with resourceVersion "0" (the watch cache) plus optimistic
// concurrency: cheap reads in the common case, the store when it matters.

import type { KubeObject } from '../../shared/api/types.js';
import { type Informer, informerKey } from './informer.js';

/** Whether resourceVersion `seen` is at or after `wrote` (the store's revisions are numbers). */
export function caughtUp(seen: string | undefined, wrote: string): boolean {
  if (seen === undefined) return false;
  if (seen === wrote) return true;
  const [a, b] = [Number(wrote), Number(seen)];
  return Number.isSafeInteger(a) && Number.isSafeInteger(b) && b >= a;
}

export class ReadYourWrites<T extends KubeObject> {
  /** Cache key -> the resourceVersion of the reader's last write not yet seen in the cache. */
  private readonly pending = new Map<string, string>();
  private readonly removeHandler: () => void;

  constructor(private readonly informer: Informer<T>) {
    // A deletion ends the wait (a new object of that name starts after it), and so does the
    // cache showing the write: get() would drop the entry then anyway, and a key not read
    // again kept it for good (the node lifecycle's and the gateway's: one per board).
    this.removeHandler = informer.addHandler({
      onChange: (type, o) => {
        if (this.pending.size === 0) return;
        const key = informerKey(o);
        const w = this.pending.get(key);
        if (w !== undefined && (type === 'DELETED' || caughtUp(o.metadata.resourceVersion, w)))
          this.pending.delete(key);
      },
    });
  }

  /**
   * The cached object under key (`namespace/name`, `/name` when cluster-scoped), or undefined
   * when the informer has not synced, does not hold it, or has not yet seen the reader's write.
   */
  get(key: string): T | undefined {
    if (!this.informer.hasSynced()) return undefined;
    const o = this.informer.get(key);
    const w = this.pending.get(key);
    if (w === undefined) return o;
    if (!o || !caughtUp(o.metadata.resourceVersion, w)) return undefined;
    this.pending.delete(key);
    return o;
  }

  /** The reader wrote obj (as the API returned it): the cache is not read for it until it shows it. */
  wrote(obj: KubeObject): void {
    const rv = obj.metadata.resourceVersion;
    if (rv === undefined) return;
    const key = informerKey(obj);
    // The watch can bring the write back before the API's answer: nothing to wait for then (an
    // entry made now would stay, no later change of the object coming to drop it).
    if (caughtUp(this.informer.get(key)?.metadata.resourceVersion, rv)) this.pending.delete(key);
    else this.pending.set(key, rv);
  }

  /** Objects whose writes the cache has not shown yet. */
  waiting(): number {
    return this.pending.size;
  }

  close(): void {
    this.removeHandler();
    this.pending.clear();
  }
}
