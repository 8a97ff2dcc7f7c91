// In-memory delivery of committed store events to watchers. Events are queued and drained in
// revision order, so a callback that writes (re-entrantly) cannot make a later event overtake
// an earlier one. Watchers are grouped by prefix; one event object is shared by all of them.

import type { Logger } from '../../shared/log.js';
import type { StoreEvent } from './store.js';

export interface WatchEntry {
  readonly prefix: string;
  /** Only events with a revision above this are delivered. */
  readonly afterRevision: number;
  readonly onEvent: (ev: StoreEvent) => void;
  readonly onEnd?: (err?: Error) => void;
  /** Replayed history not yet delivered; live events queue behind it until it is. */
  pending: StoreEvent[] | undefined;
  closed: boolean;
}

export class WatchFanout {
  private readonly byPrefix = new Map<string, Set<WatchEntry>>();
  private queue: StoreEvent[] = [];
  private draining = false;
  private count = 0;

  constructor(private readonly log: Logger) {}

  get size(): number {
    return this.count;
  }

  /** Registers entry; its replay (if any) is delivered in a microtask, ahead of live events. */
  add(entry: WatchEntry): void {
    let set = this.byPrefix.get(entry.prefix);
    if (!set) {
      set = new Set();
      this.byPrefix.set(entry.prefix, set);
    }
    set.add(entry);
    this.count++;
    if (entry.pending) queueMicrotask(() => this.flush(entry));
  }

  remove(entry: WatchEntry): void {
    if (entry.closed) return;
    entry.closed = true;
    const set = this.byPrefix.get(entry.prefix);
    if (set?.delete(entry)) {
      this.count--;
      if (set.size === 0) this.byPrefix.delete(entry.prefix);
    }
  }

  /** Delivers a committed event to every matching watcher, synchronously unless already draining. */
  emit(ev: StoreEvent): void {
    this.queue.push(ev);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let i = 0; i < this.queue.length; i++) this.deliverAll(this.queue[i]);
    } finally {
      this.queue = [];
      this.draining = false;
    }
  }

  /** Ends every watcher with err (store closing). */
  endAll(err: Error): void {
    const all = [...this.byPrefix.values()].flatMap((s) => [...s]);
    for (const e of all) {
      this.remove(e);
      try {
        e.onEnd?.(err);
      } catch (cbErr) {
        this.log.error('watch onEnd callback threw', { prefix: e.prefix, err: cbErr });
      }
    }
  }

  private deliverAll(ev: StoreEvent): void {
    const key = ev.kv.key;
    // Few distinct prefixes: test each. Many: look up each prefix of the key instead, so the
    // cost per event is bounded by the key length, not by the number of watchers.
    if (this.byPrefix.size <= key.length + 1) {
      for (const [prefix, set] of this.byPrefix) {
        if (key.startsWith(prefix)) this.deliverSet(set, ev);
      }
    } else {
      for (let n = 0; n <= key.length; n++) {
        const set = this.byPrefix.get(key.slice(0, n));
        if (set) this.deliverSet(set, ev);
      }
    }
  }

  private deliverSet(set: Set<WatchEntry>, ev: StoreEvent): void {
    for (const e of set) {
      if (ev.revision <= e.afterRevision) continue;
      if (e.pending) e.pending.push(ev);
      else this.call(e, ev);
    }
  }

  private flush(e: WatchEntry): void {
    const pending = e.pending;
    if (!pending) return;
    // Callbacks may write, which appends to pending: deliver until it is empty.
    for (let i = 0; i < pending.length && !e.closed; i++) this.call(e, pending[i]);
    e.pending = undefined;
  }

  private call(e: WatchEntry, ev: StoreEvent): void {
    if (e.closed) return;
    try {
      e.onEvent(ev);
    } catch (err) {
      this.log.error('watch callback threw', { prefix: e.prefix, revision: ev.revision, err });
    }
  }
}
