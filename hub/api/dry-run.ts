// Server dry-run (`?dryRun=All`), where Kubernetes puts it: in the storage layer
// (apiserver's DryRunnableStorage). Every verb runs its whole path -- decoding, defaulting,
// admission, validation, conflict and existence checks -- against a store whose writes check
// what the real write would check and return what it would have written, without writing:
// nothing stored, no watch event, no revision consumed.

import type { ApiCore } from './core.js';
import { BadRequestError } from './errors.js';
import { KeyExistsError, KeyNotFoundError, RevisionConflictError } from '../store/errors.js';
import type {
  KeyValue,
  ListOptions,
  ListResult,
  Store,
  StoreEvent,
  WatchOptions,
  Watcher,
} from '../store/store.js';

/** The only dryRun value Kubernetes defines. */
export const DRY_RUN_ALL = 'All';

/** Whether the request asks for a dry run; refuses values other than All (as kube-apiserver). */
export function dryRunRequested(values: readonly string[]): boolean {
  for (const v of values)
    if (v !== DRY_RUN_ALL)
      throw new BadRequestError(`dryRun: Unsupported value: "${v}": supported values: "${DRY_RUN_ALL}"`);
  return values.length > 0;
}

class DryRunStore implements Store {
  constructor(private readonly real: Store) {}

  revision(): Promise<number> {
    return this.real.revision();
  }
  get(key: string): Promise<KeyValue | undefined> {
    return this.real.get(key);
  }
  list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    return this.real.list(prefix, opts);
  }
  async create(key: string, value: string): Promise<KeyValue> {
    if (await this.real.get(key)) throw new KeyExistsError(key);
    // No revision is consumed: the object comes back without a resourceVersion of its own.
    return { key, value, createRevision: 0, modRevision: 0 };
  }
  async update(key: string, value: string, expectedModRevision?: number): Promise<KeyValue> {
    const cur = await this.current(key, expectedModRevision);
    return { ...cur, value };
  }
  delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.current(key, expectedModRevision);
  }
  watch(prefix: string, onEvent: (ev: StoreEvent) => void, opts?: WatchOptions): Promise<Watcher> {
    return this.real.watch(prefix, onEvent, opts);
  }
  compact(): Promise<void> {
    return Promise.reject(new Error('compaction is not part of a dry run'));
  }
  compactedRevision(): Promise<number> {
    return this.real.compactedRevision();
  }
  snapshot(): Promise<void> {
    return Promise.reject(new Error('snapshots are not part of a dry run'));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }

  private async current(key: string, expected?: number): Promise<KeyValue> {
    const cur = await this.real.get(key);
    if (!cur) throw new KeyNotFoundError(key);
    if (expected !== undefined && cur.modRevision !== expected)
      throw new RevisionConflictError(key, expected, cur.modRevision);
    return cur;
  }
}

/** The same API core (everything it holds, by prototype) over a store that writes nothing. */
export function dryRunCore(core: ApiCore): ApiCore {
  const dry = Object.create(core) as ApiCore;
  Object.defineProperty(dry, 'store', { value: new DryRunStore(core.store) });
  return dry;
}
