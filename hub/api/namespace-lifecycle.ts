// Which namespaces take new objects, kept from a store watch (kube-apiserver's NamespaceLifecycle
// admission reads an informer the same way). Every namespaced create checks its namespace; read
// and parsed from the store each time, that was a third of the API's own work on a ConfigMap
// create (profile of `npm run bench -- store`, 1 writer). A namespace this has not seen is read
// from the store as before (requireNamespace in ops/write.ts), and the answer is kept here
// unless the watch has already told of a newer revision of that namespace.

import type { Logger } from '../../shared/log.js';
import type { Store, StoreEvent, Watcher } from '../store/store.js';

const PREFIX = '/registry/namespaces/';

/** What is known of one namespace, as of a store revision. */
interface Known {
  revision: number;
  /** Exists and has no deletionTimestamp. */
  active: boolean;
}

/** Whether a stored Namespace value takes new objects (no deletionTimestamp). */
function activeValue(value: string): boolean {
  const o = JSON.parse(value) as { metadata?: { deletionTimestamp?: unknown } };
  return !o.metadata?.deletionTimestamp;
}

export class NamespaceLifecycle {
  private readonly known = new Map<string, Known>();
  private watcher: Watcher | undefined;
  /** False once the watch ended: every check reads the store again. */
  private live = false;

  private constructor(private readonly log: Logger) {}

  /** Watches the store's namespaces from its current revision. */
  static async start(store: Store, log: Logger): Promise<NamespaceLifecycle> {
    const n = new NamespaceLifecycle(log);
    n.watcher = await store.watch(PREFIX, (ev) => n.onEvent(ev), {
      onEnd: (err) => {
        n.live = false;
        n.known.clear();
        if (err)
          n.log.debug('namespace watch ended: namespaces are read from the store', { err: err.message });
      },
    });
    n.live = true;
    return n;
  }

  /** true: the namespace takes new objects; undefined: not known here (read the store). */
  active(name: string): true | undefined {
    return this.live && this.known.get(name)?.active ? true : undefined;
  }

  /** What a store read found (at revision): kept unless the watch told of a newer one. */
  learn(name: string, revision: number, active: boolean): void {
    if (!this.live) return;
    const k = this.known.get(name);
    if (!k || k.revision < revision) this.known.set(name, { revision, active });
  }

  close(): void {
    this.live = false;
    this.known.clear();
    this.watcher?.close();
  }

  private onEvent(ev: StoreEvent): void {
    const name = ev.kv.key.slice(PREFIX.length);
    let active = false;
    if (ev.type !== 'delete') {
      try {
        active = activeValue(ev.kv.value);
      } catch {
        active = false; // unreadable: never taken as active, the store read decides
      }
    }
    // A deleted namespace stays known as inactive, so a read that raced its deletion cannot
    // bring it back; recreating it brings a newer revision.
    this.known.set(name, { revision: ev.kv.modRevision, active });
  }
}
