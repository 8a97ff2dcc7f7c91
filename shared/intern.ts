// One copy of each repeated string value in the objects an informer holds. JSON.parse gives
// every object its own copy of every value longer than a few characters: across a fleet's
// pods that is the same owner UID, node name, image, tolerations, timestamps and condition
// reasons thousands of times over (issue #13: "intern repeated strings"). The pool maps a
// value to its first instance; it is cleared when full, so unique values (names, UIDs) cannot
// make it grow without bound: values already shared stay shared. One pool serves the process
// (processStrings): the API's shared watch objects (hub/api/shared-objects.ts) and the shared
// informers, which hold those very objects, pool into the same instances.

/** Distinct values the pool remembers before it starts over. */
export const DEFAULT_INTERN_POOL_SIZE = 50_000;
/** Longer values are left alone: they are rarely repeated (messages, data, certificates). */
export const MAX_INTERNED_LENGTH = 128;

export class StringPool {
  private readonly pool = new Map<string, string>();

  constructor(private readonly maxSize = DEFAULT_INTERN_POOL_SIZE) {}

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

  /**
   * Replaces, in place, every string value inside v by its pooled instance (an equal string:
   * readers of a shared object see no change).
   */
  internValues(v: unknown): void {
    if (v === null || typeof v !== 'object') return;
    this.internTree(v);
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

/** The process's pool: the default of the shared informers and of the API's watch objects. */
export const processStrings = new StringPool();
