// Secondary indexes over an informer's cache (client-go's Indexer): an index is a name and a
// function from an object to its index values; byIndex(name, value) answers the cache keys of
// the objects with that value in O(answer). Kept up to date on every change the informer
// applies, so a controller's reconcile reads only the objects of its own key.

import type { KubeObject } from '../../shared/api/types.js';

/** An object's values under one index (several for a multi-valued index, none to skip it). */
export type IndexFunc<T extends KubeObject> = (obj: T) => readonly string[];

export class IndexExistsError extends Error {
  constructor(name: string) {
    super(`index ${name} is already defined with another function`);
    this.name = 'IndexExistsError';
  }
}

export class UnknownIndexError extends Error {
  constructor(name: string) {
    super(`no index named ${name}`);
    this.name = 'UnknownIndexError';
  }
}

interface Index<T extends KubeObject> {
  fn: IndexFunc<T>;
  /**
   * value -> cache keys: the key itself while it is the only one (a pod's node with one pod on
   * it, the owner of one object: a Set per value was ~0.1 KiB each, one per board for the
   * node-name index under a DaemonSet), a Set once there is a second.
   */
  byValue: Map<string, string | Set<string>>;
}

export class Indexer<T extends KubeObject> {
  private readonly indexes = new Map<string, Index<T>>();

  /** Defines an index over the objects already held (pass them) and every later change. */
  addIndex(name: string, fn: IndexFunc<T>, held: Iterable<[string, T]>): void {
    const existing = this.indexes.get(name);
    if (existing) {
      if (existing.fn === fn) return;
      throw new IndexExistsError(name);
    }
    const idx: Index<T> = { fn, byValue: new Map() };
    this.indexes.set(name, idx);
    for (const [key, o] of held) this.add(idx, key, o);
  }

  has(name: string): boolean {
    return this.indexes.has(name);
  }

  /** Moves key from old's values to obj's (either may be undefined). */
  update(key: string, old: T | undefined, obj: T | undefined): void {
    for (const idx of this.indexes.values()) {
      if (old) this.remove(idx, key, old);
      if (obj) this.add(idx, key, obj);
    }
  }

  /** Cache keys of the objects whose index `name` yields value. */
  keys(name: string, value: string): Iterable<string> {
    const idx = this.indexes.get(name);
    if (!idx) throw new UnknownIndexError(name);
    const held = idx.byValue.get(value);
    if (held === undefined) return EMPTY;
    return typeof held === 'string' ? [held] : held;
  }

  private add(idx: Index<T>, key: string, o: T): void {
    for (const v of idx.fn(o)) {
      const held = idx.byValue.get(v);
      if (held === undefined) idx.byValue.set(v, key);
      else if (typeof held !== 'string') held.add(key);
      else if (held !== key) idx.byValue.set(v, new Set([held, key]));
    }
  }

  private remove(idx: Index<T>, key: string, o: T): void {
    for (const v of idx.fn(o)) {
      const held = idx.byValue.get(v);
      if (held === undefined) continue;
      if (typeof held === 'string') {
        if (held === key) idx.byValue.delete(v);
        continue;
      }
      // Kept as a Set below two keys too: a value that goes 1 -> 2 -> 1 (a pod replaced on its
      // node) would otherwise make a Set each time.
      held.delete(key);
      if (held.size === 0) idx.byValue.delete(v);
    }
  }
}

const EMPTY: readonly string[] = Object.freeze([]);
