// One copy of each repeated string value in the objects an informer holds. JSON.parse gives
// every object its own copy of every value longer than a few characters: across a fleet's
// pods that is the same owner UID, node name, image, tolerations, timestamps and condition
// reasons thousands of times over (issue #13: "intern repeated strings"). The pool maps a
// value to its first instance; it is cleared when full, so unique values (names, UIDs) cannot
// make it grow without bound: values already shared stay shared. One pool serves the process
// (processStrings): the API's shared watch objects (hub/api/shared-objects.ts) and the shared
// informers, which hold those very objects, pool into the same instances. The same pool keeps
// one instance of the parts a kind's objects repeat whole (SHARED_PARTS below).
import { jsonEqualInOrder } from './json-equal.js';

/**
 * Parts of objects that repeat whole across a fleet, by kind: a workload's pods carry the same
 * labels, owner, containers and tolerations (a DaemonSet pod's six tolerations alone are ~0.4
 * KiB as parsed), boards of one model report the same capacity. The pool keeps one instance
 * of each such part (by its JSON) and puts it in place of an equal one; parts that differ
 * (per-pod UIDs, node names, timestamps) are left alone.
 */
export const SHARED_PARTS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  Pod: [
    ['metadata', 'labels'],
    ['metadata', 'ownerReferences'],
    ['spec', 'containers'],
    ['spec', 'initContainers'],
    ['spec', 'tolerations'],
    ['spec', 'securityContext'],
  ],
  Node: [
    ['spec'],
    ['status', 'capacity'],
    ['status', 'allocatable'],
    // Times are the hub's, to the second: boards whose status was written in the same second
    // (a fleet joining) report the same five conditions.
    ['status', 'conditions'],
    ['status', 'images'],
  ],
};
/** Distinct parts the pool remembers before it starts over. */
export const DEFAULT_PART_POOL_SIZE = 10_000;
/** Parts with longer JSON are left alone (rarely repeated; the key would cost as much). */
export const MAX_SHARED_PART_JSON = 4_096;

/** Distinct values the pool remembers before it starts over. */
export const DEFAULT_INTERN_POOL_SIZE = 50_000;
/** Longer values are left alone: they are rarely repeated (messages, data, certificates). */
export const MAX_INTERNED_LENGTH = 128;

export class StringPool {
  private readonly pool = new Map<string, string>();
  /** SHARED_PARTS values by their JSON. */
  private readonly parts = new Map<string, object>();

  constructor(
    private readonly maxSize = DEFAULT_INTERN_POOL_SIZE,
    private readonly maxParts = DEFAULT_PART_POOL_SIZE,
  ) {}

  get size(): number {
    return this.pool.size;
  }

  /** The pool's instance of s (s itself the first time). */
  intern(s: string): string {
    if (s.length > MAX_INTERNED_LENGTH) return s;
    const held = this.pool.get(s);
    if (held !== undefined) return held;
    if (this.pool.size >= this.maxSize) this.pool.clear();
    this.pool.set(s, s);
    return s;
  }

  /** Distinct shared parts remembered. */
  get partCount(): number {
    return this.parts.size;
  }

  /**
   * Replaces, in place, every string value inside v by its pooled instance, and each of its
   * kind's SHARED_PARTS by the pooled equal part (equal values: readers of a shared object see
   * no change; held objects are never changed in place, so neither is a part they share).
   */
  internValues(v: unknown, prev?: unknown): void {
    if (v === null || typeof v !== 'object') return;
    this.internTree(v);
    const paths = SHARED_PARTS[(v as { kind?: unknown }).kind as string];
    if (paths && !Object.isFrozen(v)) this.shareParts(v as Record<string, unknown>, paths, prev);
  }

  /**
   * prev: the object v replaces (an informer's old one), whose parts were shared already: a
   * part equal to prev's (most updates: a status report leaves labels and containers as they
   * were) takes prev's instance after a compare, without its JSON and a pool lookup.
   */
  private shareParts(o: Record<string, unknown>, paths: readonly (readonly string[])[], prev: unknown): void {
    for (const path of paths) {
      const parent = at(o, path, path.length - 1);
      if (parent === null || typeof parent !== 'object' || Object.isFrozen(parent)) continue;
      const b = path[path.length - 1];
      const part = (parent as Record<string, unknown>)[b];
      if (part === null || typeof part !== 'object') continue;
      const before = at(prev, path, path.length);
      if (
        before !== part &&
        before !== null &&
        typeof before === 'object' &&
        jsonEqualInOrder(before, part)
      ) {
        (parent as Record<string, unknown>)[b] = before;
        continue;
      }
      const key = JSON.stringify(part);
      if (key.length > MAX_SHARED_PART_JSON) continue;
      const held = this.parts.get(key);
      if (held === part) continue;
      if (held !== undefined) (parent as Record<string, unknown>)[b] = held;
      else {
        if (this.parts.size >= this.maxParts) this.parts.clear();
        this.parts.set(key, part);
      }
    }
  }

  private internTree(v: object): void {
    // A frozen object was pooled before it was frozen, or is a test's fixture: left as it is.
    if (Object.isFrozen(v)) return;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (typeof x === 'string') v[i] = this.intern(x);
        else if (x !== null && typeof x === 'object') this.internTree(x);
      }
      return;
    }
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const x = o[k];
      if (typeof x === 'string') o[k] = this.intern(x);
      else if (x !== null && typeof x === 'object') this.internTree(x);
    }
  }
}

/** The value at the first n keys of path inside v (undefined where the path ends early). */
function at(v: unknown, path: readonly string[], n: number): unknown {
  let x = v;
  for (let i = 0; i < n; i++) {
    if (x === null || typeof x !== 'object') return undefined;
    x = (x as Record<string, unknown>)[path[i]];
  }
  return x;
}

/** The process's pool: the default of the shared informers and of the API's watch objects. */
export const processStrings = new StringPool();
