// How server-side apply reads an object: which lists merge by key, which are sets, which are
// atomic (structured-merge-diff's list types), and the paths of an object's fields. Lists take
// their types from the same table the strategic merge patch uses (patch/strategic.ts), so the
// two patch forms agree on containers-by-name, finalizers-as-a-set and so on.

import { isPlainObject } from '../patch/merge.js';
import { MERGE_KEYS, SET_LISTS } from '../patch/strategic.js';
import { type FieldPath, FieldSet } from './field-set.js';

/** Fields no manager owns: identity and bookkeeping the server sets (upstream's reset fields). */
const UNOWNED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

export interface Ownable {
  /** The kind has a status subresource: status is written there and not owned by main-resource writers. */
  statusIsSubresource: boolean;
}

type ListKind = { type: 'map'; key: string } | { type: 'set' } | { type: 'atomic' };

function listKind(field: string, items: readonly unknown[]): ListKind {
  const key = MERGE_KEYS[field];
  if (key && items.every((i) => isPlainObject(i) && i[key] !== undefined && i[key] !== null))
    return { type: 'map', key };
  if (SET_LISTS.has(field) && items.every((i) => typeof i !== 'object' || i === null)) return { type: 'set' };
  return { type: 'atomic' };
}

export function elementKey(key: string, item: Record<string, unknown>): string {
  return `k:${JSON.stringify({ [key]: item[key] })}`;
}

/** The leaf paths an object sets (null values set nothing). */
export function fieldsOf(obj: unknown, o: Ownable): FieldSet {
  const out = new FieldSet();
  const walk = (v: unknown, path: string[]) => {
    if (!isPlainObject(v)) {
      out.add(path);
      return;
    }
    const entries = Object.entries(v).filter(([, x]) => x !== null && x !== undefined);
    if (entries.length === 0 && path.length) {
      out.add(path);
      return;
    }
    for (const [k, x] of entries) {
      const p = [...path, `f:${k}`];
      if (path.length === 0 && (k === 'apiVersion' || k === 'kind')) continue;
      if (path.length === 0 && k === 'status' && o.statusIsSubresource) continue;
      if (path.length === 1 && path[0] === 'f:metadata' && UNOWNED_METADATA.has(k)) continue;
      if (Array.isArray(x)) walkList(k, x, p);
      else walk(x, p);
    }
  };
  const walkList = (field: string, items: unknown[], path: string[]) => {
    const kind = listKind(field, items);
    if (kind.type === 'atomic' || items.length === 0) out.add(path);
    else if (kind.type === 'set') for (const i of items) out.add([...path, `v:${JSON.stringify(i)}`]);
    else
      for (const i of items as Record<string, unknown>[]) {
        const ep = [...path, elementKey(kind.key, i)];
        out.add([...ep, '.']);
        walk(i, ep);
      }
  };
  walk(obj, []);
  return out;
}

/** The value at path, or undefined when any step is missing. */
export function valueAt(obj: unknown, path: FieldPath): unknown {
  let cur: unknown = obj;
  for (const el of path) {
    if (el === '.') return cur;
    const body = el.slice(2);
    if (el.startsWith('f:')) cur = isPlainObject(cur) ? cur[body] : undefined;
    else if (el.startsWith('k:')) {
      const [[k, want]] = Object.entries(JSON.parse(body) as Record<string, unknown>);
      cur = Array.isArray(cur) ? cur.find((i) => isPlainObject(i) && i[k] === want) : undefined;
    } else if (el.startsWith('v:')) {
      const want = JSON.stringify(JSON.parse(body));
      cur = Array.isArray(cur) ? cur.find((i) => JSON.stringify(i) === want) : undefined;
    } else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Removes the field, list element or set value at path (in place); missing steps are a no-op. */
export function removeAt(obj: unknown, path: FieldPath): void {
  if (path.length === 0) return;
  const last = path[path.length - 1];
  if (last === '.') {
    // The element itself: take it out of its list.
    const listPath = path.slice(0, -2);
    const list = valueAt(obj, listPath);
    const el = valueAt(obj, path.slice(0, -1));
    if (Array.isArray(list) && el !== undefined) list.splice(list.indexOf(el), 1);
    return;
  }
  const parent = valueAt(obj, path.slice(0, -1));
  const body = last.slice(2);
  if (last.startsWith('f:') && isPlainObject(parent)) delete parent[body];
  else if (last.startsWith('v:') && Array.isArray(parent)) {
    const want = JSON.stringify(JSON.parse(body));
    const i = parent.findIndex((x) => JSON.stringify(x) === want);
    if (i >= 0) parent.splice(i, 1);
  }
}

/**
 * The applied configuration merged over the live object: maps merge, keyed lists merge by key
 * (live order kept, new elements appended), set lists take the union, anything else is replaced.
 */
export function mergeApplied(live: unknown, applied: unknown, field = ''): unknown {
  if (Array.isArray(applied)) {
    const kind = listKind(field, applied);
    if (!Array.isArray(live) || kind.type === 'atomic') return structuredClone(applied);
    if (kind.type === 'set') {
      const out = [...live];
      const seen = new Set(live.map((x) => JSON.stringify(x)));
      for (const x of applied) if (!seen.has(JSON.stringify(x))) out.push(x);
      return out;
    }
    const key = kind.key;
    const out = live.map((x) => structuredClone(x));
    for (const a of applied as Record<string, unknown>[]) {
      const i = out.findIndex((x) => isPlainObject(x) && x[key] === a[key]);
      if (i >= 0) out[i] = mergeApplied(out[i], a);
      else out.push(structuredClone(a));
    }
    return out;
  }
  if (!isPlainObject(applied)) return applied;
  const out: Record<string, unknown> = isPlainObject(live) ? { ...live } : {};
  for (const [k, v] of Object.entries(applied)) {
    if (k === '__proto__' || v === null || v === undefined) continue;
    out[k] = mergeApplied(out[k], v, k);
  }
  return out;
}
