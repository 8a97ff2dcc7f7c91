// A hub's local copy of the JetStream KV bucket, fed in stream order by one ordered consumer:
// the current value of every key (tombstones kept, with their sequence, for create-only CAS),
// the recent events with their previous values (the watch window, as the apiserver's watch
// cache keeps one), and the fan-out to watchers. Reads are served from here after the store has
// waited for it to reach the stream's head (a consistent read, as Kubernetes' consistent reads
// from cache do). Single-threaded: every method sees one revision.

import type { Logger } from '../../shared/log.js';
import type { KeyValue, ListOptions, ListResult, StoreEvent } from './store.js';
import { type WatchEntry, WatchFanout } from './watch-fanout.js';

/** One message of the bucket, decoded. */
export interface MirrorRecord {
  key: string;
  seq: number;
  op: 'put' | 'delete';
  /** put: the new value; delete: the deleted value (Drover's tombstones carry it). */
  value: string;
  /** Revision at which the key was created; the record's own seq for a create. */
  createRevision: number;
}

/** What the mirror holds for a key: its last sequence and, unless that was a delete, its value. */
export interface MirrorEntry {
  seq: number;
  kv: KeyValue | undefined;
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class JetStreamMirror {
  /** Sequence of the last record applied (or the stream head at load, if higher). */
  applied = 0;
  /** Events in (floor, applied] are all in the window: a watch may start after floor. */
  private floor = 0;
  private loaded = false;
  private readonly entries = new Map<string, MirrorEntry>();
  private sorted: string[] | undefined;
  private window: StoreEvent[] = [];
  private windowStart = 0;
  private waiters: Waiter[] = [];
  readonly fanout: WatchFanout;

  constructor(
    /** Events kept for watches that resume, in revisions behind the head. */
    private readonly keepRevisions: number,
    log: Logger,
  ) {
    this.fanout = new WatchFanout(log);
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Lowest revision a watch may start after. */
  get watchFloor(): number {
    return this.floor;
  }

  /**
   * Marks the initial load done at head (the stream's last sequence when loading began, or a
   * later one): history before it arrived collapsed to one record per key, so watches start there.
   */
  markLoaded(head: number): void {
    this.loaded = true;
    this.applied = Math.max(this.applied, head);
    this.floor = this.applied;
    this.release();
  }

  apply(r: MirrorRecord): void {
    if (r.seq <= this.applied) return; // a redelivery after an ordered consumer reset
    const before = this.entries.get(r.key);
    const prev = before?.kv;
    let ev: StoreEvent;
    if (r.op === 'put') {
      const kv = { key: r.key, value: r.value, createRevision: r.createRevision, modRevision: r.seq };
      this.entries.set(r.key, { seq: r.seq, kv });
      if (!prev) this.sorted = undefined;
      ev = prev ? { type: 'put', kv, prev, revision: r.seq } : { type: 'put', kv, revision: r.seq };
    } else {
      const kv = {
        key: r.key,
        value: r.value !== '' ? r.value : (prev?.value ?? ''),
        createRevision: r.createRevision,
        modRevision: r.seq,
      };
      this.entries.set(r.key, { seq: r.seq, kv: undefined });
      if (prev) this.sorted = undefined;
      ev = prev ? { type: 'delete', kv, prev, revision: r.seq } : { type: 'delete', kv, revision: r.seq };
    }
    // A sequence skipped while live was superseded (history 1) or purged before this consumer
    // read it: the window cannot replay across it exactly, so resumes must start after it.
    const gap = this.loaded && r.seq > this.applied + 1;
    this.applied = r.seq;
    if (this.loaded) {
      if (gap) this.raiseFloor(r.seq - 1);
      this.window.push(ev);
      this.raiseFloor(this.applied - this.keepRevisions);
      this.fanout.emit(ev);
    }
    this.release();
  }

  /** Moves the lowest resumable revision up to revision (compaction), dropping older events. */
  raiseFloor(revision: number): void {
    if (revision <= this.floor) return;
    this.floor = revision;
    let i = this.windowStart;
    while (i < this.window.length && this.window[i].revision <= revision) i++;
    this.windowStart = i;
    if (i > 1024 && i * 2 > this.window.length) {
      this.window = this.window.slice(i);
      this.windowStart = 0;
    }
  }

  /** Resolves once a record at or after seq has been applied (and the initial load is done). */
  waitApplied(seq: number): Promise<void> {
    if (this.loaded && this.applied >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** Fails every waiter with err (the store is closing). */
  failWaiters(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  entry(key: string): MirrorEntry | undefined {
    return this.entries.get(key);
  }

  get(key: string): KeyValue | undefined {
    return this.entries.get(key)?.kv;
  }

  list(prefix: string, opts: ListOptions = {}): ListResult {
    const keys = this.sortedKeys();
    const exclusive = opts.startAfter !== undefined && opts.startAfter >= prefix;
    let i = exclusive ? upperBound(keys, opts.startAfter as string) : lowerBound(keys, prefix);
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Number.POSITIVE_INFINITY;
    const items: KeyValue[] = [];
    for (; i < keys.length && items.length < limit; i++) {
      if (!keys[i].startsWith(prefix)) break;
      const kv = this.entries.get(keys[i])?.kv;
      if (kv) items.push(kv);
    }
    return { items, revision: this.applied };
  }

  /** Tombstones at or below revision (for compaction), as [key, seq]. */
  tombstonesUpTo(revision: number): [string, number][] {
    const out: [string, number][] = [];
    for (const [key, e] of this.entries) if (!e.kv && e.seq <= revision) out.push([key, e.seq]);
    return out;
  }

  /** Forgets a purged tombstone, so a later create expects no previous message. */
  forgetTombstone(key: string, seq: number): void {
    const e = this.entries.get(key);
    if (e && !e.kv && e.seq === seq) this.entries.delete(key);
  }

  /** Every live key-value, in modRevision order (for snapshots). */
  liveByRevision(): KeyValue[] {
    const out: KeyValue[] = [];
    for (const e of this.entries.values()) if (e.kv) out.push(e.kv);
    return out.sort((a, b) => a.modRevision - b.modRevision);
  }

  /** Registers a watcher of events after `after`, replaying the window's events under prefix. */
  addWatch(entry: Omit<WatchEntry, 'pending' | 'closed'>): WatchEntry {
    const pending: StoreEvent[] = [];
    if (entry.afterRevision < this.applied) {
      for (let i = this.windowStart; i < this.window.length; i++) {
        const ev = this.window[i];
        if (ev.revision > entry.afterRevision && ev.kv.key.startsWith(entry.prefix)) pending.push(ev);
      }
    }
    const full: WatchEntry = { ...entry, pending: pending.length > 0 ? pending : undefined, closed: false };
    this.fanout.add(full);
    return full;
  }

  private release(): void {
    if (!this.loaded || this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq <= this.applied) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private sortedKeys(): string[] {
    if (!this.sorted) {
      const keys: string[] = [];
      for (const [k, e] of this.entries) if (e.kv) keys.push(k);
      this.sorted = keys.sort();
    }
    return this.sorted;
  }
}

function lowerBound(a: string[], x: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: string[], x: string): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
