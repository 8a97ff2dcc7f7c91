// The one list-then-watch cache of the hub (client-go's Reflector + Informer): list, watch from
// the list's resourceVersion, keep the latest object per namespace/name. A watch that ends is
// resumed from the last resourceVersion seen; on 410 Gone (history compacted) it lists again
// and delivers the differences (deletions included), so handlers never miss a change.
// Several handlers may share one informer (see factory.ts); one added late is first told
// about every object already held. Indexes (indexer.ts) answer "the objects with this owner /
// node / namespace" without a scan. Held objects are shared by every reader and must never be
// mutated in place: copy, then write through the API. With `freeze` (on in the test suite)
// they are deep-frozen, so a reader that mutates one throws. A watched object may be shared
// beyond this informer: the in-process API decodes each store event once for all its watchers
// (hub/api/shared-objects.ts); in the test suite it arrives pooled and frozen.

import type { KubeObject, Status, WatchEvent } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';
import type { ApiClient, ApiWatch } from '../api/client.js';
import { isApiError } from '../api/errors.js';
import { type IndexFunc, Indexer } from './indexer.js';
import { deepFreeze, freezeShared } from '../../shared/deep-freeze.js';
import type { StringPool } from '../../shared/intern.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface InformerHandlers<T extends KubeObject> {
  /**
   * One change. old: the object held before (undefined when new); on DELETED, obj is the
   * deleted object (the last one held when the deletion was found by a re-list).
   * initial: part of the first list, or of the catch-up given to a handler added late.
   */
  onChange(type: ChangeType, obj: T, old: T | undefined, initial: boolean): void;
  /** After a re-list's differences were delivered (not after the first list). */
  onRelist?(): void;
}

export interface InformerOptions {
  /** Pause before retrying a failed list or watch, ms. */
  retryDelayMs?: number;
  /** Deep-freeze held objects (catches in-place mutation). Default: on under the test runner (shared/deep-freeze.ts). */
  freeze?: boolean;
  /** Held objects' string values are replaced by this pool's instances (intern.ts); none: kept as decoded. */
  strings?: StringPool;
}

export const INFORMER_RETRY_DELAY_MS = 1_000;

/** The cache key: `namespace/name` (`/name` for cluster-scoped objects). */
export function informerKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

function isGone(e: unknown): boolean {
  return isApiError(e) && e.code === 410;
}

export class Informer<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly handlers = new Set<InformerHandlers<T>>();
  private readonly retryDelayMs: number;
  private readonly freeze: boolean;
  private readonly strings: StringPool | undefined;
  private readonly indexer = new Indexer<T>();
  private resourceVersion = '';
  private watch: ApiWatch | undefined;
  private starting: Promise<void> | undefined;
  private synced = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  /** Watches resumed after a drop, and re-lists after 410 Gone (for tests and metrics). */
  resumes = 0;
  relists = 0;

  constructor(
    private readonly client: ApiClient,
    readonly resource: string,
    private readonly log: Logger,
    opts: InformerOptions = {},
  ) {
    this.retryDelayMs = opts.retryDelayMs ?? INFORMER_RETRY_DELAY_MS;
    this.freeze = opts.freeze ?? freezeShared();
    this.strings = opts.strings;
  }

  /** Defines an index (idempotent for the same function); indexes what is held already. */
  addIndex(name: string, fn: IndexFunc<T>): void {
    this.indexer.addIndex(name, fn, this.items.entries());
  }

  /** Held objects whose index `name` yields value (shared: never mutate them). */
  byIndex(name: string, value: string): T[] {
    const out: T[] = [];
    for (const k of this.indexer.keys(name, value)) {
      const o = this.items.get(k);
      if (o) out.push(o);
    }
    return out;
  }

  /** Adds a handler; if objects are held already it gets them first as initial ADDED. Returns its removal. */
  addHandler(h: InformerHandlers<T>): () => void {
    this.handlers.add(h);
    if (this.synced) for (const o of this.items.values()) this.call(h, 'ADDED', o, undefined, true);
    return () => {
      this.handlers.delete(h);
    };
  }

  /** Resolves once the first list has been delivered and the watch runs. Safe to call again. */
  start(): Promise<void> {
    this.starting ??= this.listAndWatch().catch((e: unknown) => {
      this.starting = undefined; // a later start() tries again
      throw e;
    });
    return this.starting;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion of the last list or watch event seen. */
  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  /** Objects in one namespace. */
  inNamespace(ns: string): T[] {
    if (this.indexer.has('namespace')) return this.byIndex('namespace', ns);
    return this.list().filter((o) => o.metadata.namespace === ns);
  }

  /** Number of objects held. */
  size(): number {
    return this.items.size;
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.watch?.close();
    this.watch = undefined;
    this.handlers.clear();
  }

  private call(h: InformerHandlers<T>, type: ChangeType, obj: T, old: T | undefined, initial: boolean): void {
    try {
      h.onChange(type, obj, old, initial);
    } catch (e) {
      this.log.warn('informer handler failed', { resource: this.resource, error: e as Error });
    }
  }

  private emit(type: ChangeType, obj: T, old: T | undefined, initial: boolean): void {
    for (const h of [...this.handlers]) this.call(h, type, obj, old, initial);
  }

  private async listAndWatch(): Promise<void> {
    const list = await this.client.list<T>(this.resource, undefined);
    if (this.stopped) return;
    this.resourceVersion = list.metadata.resourceVersion ?? '';
    this.replace(list.items);
    await this.startWatch();
  }

  /** Applies a full list as differences against what is held. */
  private replace(items: T[]): void {
    const initial = !this.synced;
    const seen = new Set<string>();
    for (const o of items) {
      const k = informerKey(o);
      seen.add(k);
      const old = this.items.get(k);
      this.hold(k, old, o);
      this.emit(old ? 'MODIFIED' : 'ADDED', o, old, initial);
    }
    for (const [k, o] of [...this.items]) {
      if (seen.has(k)) continue;
      this.hold(k, o, undefined);
      this.emit('DELETED', o, o, initial);
    }
    this.synced = true;
    if (initial) return;
    for (const h of [...this.handlers]) h.onRelist?.();
  }

  private apply(type: ChangeType, obj: T): void {
    const k = informerKey(obj);
    const old = this.items.get(k);
    this.hold(k, old, type === 'DELETED' ? undefined : obj);
    this.emit(type, obj, old, false);
  }

  /** Replaces what is held under k (undefined: removes it) and keeps the indexes in step. */
  private hold(k: string, old: T | undefined, obj: T | undefined): void {
    if (obj) {
      // A listed object is fresh (this informer's alone); a watched one may be shared: pooling
      // replaces its strings by equal ones (a frozen one arrives pooled and is passed by).
      this.strings?.internValues(obj, old);
      if (this.freeze) deepFreeze(obj);
      this.items.set(k, obj);
    } else this.items.delete(k);
    this.indexer.update(k, old, obj);
  }

  private async startWatch(): Promise<void> {
    let ended = false;
    const onEvent = (ev: WatchEvent<T>) => {
      if (ended || this.stopped) return;
      if (ev.type === 'ERROR') {
        const status = ev.object as unknown as Status;
        ended = true;
        this.watch?.close();
        this.restart(status.code === 410);
        return;
      }
      this.resourceVersion = ev.object.metadata.resourceVersion ?? this.resourceVersion;
      if (ev.type !== 'BOOKMARK') this.apply(ev.type, ev.object);
    };
    const onEnd = (err?: Error) => {
      if (ended || this.stopped) return;
      ended = true;
      this.restart(isGone(err));
    };
    try {
      this.watch = await this.client.watch<T>(
        this.resource,
        undefined,
        { resourceVersion: this.resourceVersion },
        onEvent,
        onEnd,
      );
      if (this.stopped) this.watch.close();
    } catch (e) {
      if (this.stopped) return;
      if (!isGone(e)) throw e;
      this.log.info('watch history compacted, relisting', { resource: this.resource });
      this.relists++;
      await this.listAndWatch();
    }
  }

  private restart(relist: boolean): void {
    if (this.stopped) return;
    this.log.info(relist ? 'watch expired, relisting' : 'watch ended, resuming', {
      resource: this.resource,
      resourceVersion: this.resourceVersion,
    });
    const run = async () => {
      this.retryTimer = undefined;
      if (this.stopped) return;
      try {
        if (relist) {
          this.relists++;
          await this.listAndWatch();
        } else {
          this.resumes++;
          await this.startWatch();
        }
      } catch (e) {
        this.log.warn('list/watch failed, retrying', { resource: this.resource, error: e as Error });
        relist = relist || isGone(e);
        this.retryTimer = setTimeout(run, this.retryDelayMs);
      }
    };
    // Resume at once after a clean end; after an error, the retry delay applies.
    void run();
  }
}
