// Field sets as server-side apply keeps them (structured-merge-diff's fieldpath.Set, written
// as FieldsV1 in metadata.managedFields). A path is a list of elements in FieldsV1 notation:
// `f:name` a field, `k:{"name":"c"}` the element of a keyed list, `v:"x"` a value of a set list,
// `.` the list element itself. A set holds leaf paths only; the tree form is built on output.

export type FieldPath = readonly string[];

/** Separates path elements in the set's keys; no element contains it (JSON escapes newlines). */
const SEP = '\n';

export class FieldSet {
  private readonly paths = new Set<string>();

  static of(paths: Iterable<FieldPath>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.add(p);
    return s;
  }

  /** From FieldsV1 (`{"f:spec":{"f:replicas":{}}}`): every node without children is a leaf. */
  static fromFieldsV1(v: unknown): FieldSet {
    const s = new FieldSet();
    const walk = (node: unknown, path: string[]) => {
      const entries = node && typeof node === 'object' && !Array.isArray(node) ? Object.entries(node) : [];
      if (entries.length === 0) {
        if (path.length) s.add(path);
        return;
      }
      for (const [k, child] of entries) walk(child, [...path, k]);
    };
    walk(v, []);
    return s;
  }

  add(p: FieldPath): void {
    this.paths.add(p.join(SEP));
  }

  has(p: FieldPath): boolean {
    return this.paths.has(p.join(SEP));
  }

  get size(): number {
    return this.paths.size;
  }

  *[Symbol.iterator](): IterableIterator<FieldPath> {
    for (const k of this.paths) yield k.split(SEP);
  }

  // Set algebra on the joined keys: no path is split and joined again.
  union(o: FieldSet): FieldSet {
    const s = new FieldSet();
    for (const k of this.paths) s.paths.add(k);
    for (const k of o.paths) s.paths.add(k);
    return s;
  }

  difference(o: FieldSet): FieldSet {
    const s = new FieldSet();
    for (const k of this.paths) if (!o.paths.has(k)) s.paths.add(k);
    return s;
  }

  intersection(o: FieldSet): FieldSet {
    const s = new FieldSet();
    for (const k of this.paths) if (o.paths.has(k)) s.paths.add(k);
    return s;
  }

  /** True when some path of this set starts with prefix (the prefix itself included). */
  hasPrefix(prefix: FieldPath): boolean {
    const k = prefix.join(SEP);
    for (const p of this.paths) if (p === k || p.startsWith(k + SEP)) return true;
    return false;
  }

  /** The FieldsV1 tree, keys sorted as upstream writes them. */
  toFieldsV1(): Record<string, unknown> {
    const root: Record<string, Record<string, unknown>> = {};
    for (const p of [...this.paths].sort()) {
      let node: Record<string, unknown> = root;
      for (const el of p.split(SEP)) {
        node[el] ??= {};
        node = node[el] as Record<string, unknown>;
      }
    }
    return root;
  }
}

/** A path as apply's conflict messages print it: `.spec.containers[name="c"].image`. */
export function formatPath(p: FieldPath): string {
  let out = '';
  for (const el of p) {
    if (el === '.') continue;
    const body = el.slice(2);
    if (el.startsWith('f:')) out += `.${body}`;
    else if (el.startsWith('k:')) {
      const key = JSON.parse(body) as Record<string, unknown>;
      out += `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else if (el.startsWith('v:')) out += `[=${body}]`;
  }
  return out || '.';
}
