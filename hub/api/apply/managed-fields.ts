// metadata.managedFields: who owns which fields (upstream's fieldmanager). Apply computes
// conflicts against other managers, takes over with force, and removes fields its manager no
// longer applies when nobody else owns them; other writes (Update) take over what they change.

import type { KubeObject } from '../../../shared/api/types.js';
import { canonicalJson, cause } from '../meta.js';
import { isPlainObject } from '../patch/merge.js';
import { type FieldPath, FieldSet } from './field-set.js';
import { fieldsOf, mergeApplied, type Ownable, removeAt, valueAt } from './structure.js';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  fieldsType?: 'FieldsV1';
  fieldsV1?: unknown;
  subresource?: string;
}

interface Owner {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion?: string;
  time?: string;
  set: FieldSet;
}

export interface FieldConflict {
  manager: string;
  apiVersion?: string;
  path: FieldPath;
}

/** Field manager names are at most 128 characters (apimachinery's ValidateFieldManager). */
export const MAX_FIELD_MANAGER_LENGTH = 128;

/** Problems with a managedFields value a client wrote (as StatusCauses for a 422). */
export function checkManagedFields(v: unknown): ReturnType<typeof cause>[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return [cause('metadata.managedFields', 'Invalid value: must be a list')];
  const out: ReturnType<typeof cause>[] = [];
  v.forEach((e, i) => {
    const f = `metadata.managedFields[${i}]`;
    if (!isPlainObject(e)) out.push(cause(f, 'Invalid value: must be an object'));
    else if (typeof e.manager !== 'string') out.push(cause(`${f}.manager`, 'Required value'));
    else if (e.operation !== 'Apply' && e.operation !== 'Update')
      out.push(
        cause(
          `${f}.operation`,
          `Unsupported value: ${JSON.stringify(e.operation)}: supported values: "Apply", "Update"`,
        ),
      );
    else if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1')
      out.push(
        cause(
          `${f}.fieldsType`,
          `Unsupported value: ${JSON.stringify(e.fieldsType)}: supported values: "FieldsV1"`,
        ),
      );
  });
  return out;
}

function owners(obj: KubeObject | undefined): Owner[] {
  const raw = (obj?.metadata as { managedFields?: unknown } | undefined)?.managedFields;
  if (!Array.isArray(raw) || checkManagedFields(raw).length) return [];
  return (raw as ManagedFieldsEntry[])
    .filter((e) => e.subresource === undefined)
    .map((e) => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time: e.time,
      set: FieldSet.fromFieldsV1(e.fieldsV1),
    }));
}

function write(obj: KubeObject, list: Owner[]): void {
  const entries: ManagedFieldsEntry[] = list
    .filter((o) => o.set.size > 0)
    .map((o) => ({
      manager: o.manager,
      operation: o.operation,
      ...(o.apiVersion ? { apiVersion: o.apiVersion } : {}),
      ...(o.time ? { time: o.time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: o.set.toFieldsV1(),
    }));
  const meta = obj.metadata as { managedFields?: ManagedFieldsEntry[] };
  if (entries.length) meta.managedFields = entries;
  else delete meta.managedFields;
}

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

export interface ApplyInput {
  live: KubeObject | undefined;
  applied: KubeObject;
  manager: string;
  force: boolean;
  shape: Ownable;
  now: string;
}

/**
 * Server-side apply of `applied` by `manager` over `live`: the merged object with its new
 * managedFields, or the conflicts that stop it (empty when force took the fields over).
 */
export function planApply(a: ApplyInput): { object: KubeObject; conflicts: FieldConflict[] } {
  const list = owners(a.live);
  const appliedSet = fieldsOf(a.applied, a.shape);
  const conflicts: FieldConflict[] = [];
  for (const o of list) {
    if (o.manager === a.manager) continue;
    for (const p of appliedSet.intersection(o.set)) {
      if (p[p.length - 1] === '.') continue;
      if (!same(valueAt(a.live, p), valueAt(a.applied, p)))
        conflicts.push({ manager: o.manager, apiVersion: o.apiVersion, path: p });
    }
  }
  const object = mergeApplied(a.live ?? {}, a.applied) as KubeObject;
  if (conflicts.length && !a.force) return { object, conflicts };
  for (const c of conflicts) {
    const o = list.find((x) => x.manager === c.manager);
    if (o) o.set = o.set.difference(FieldSet.of([c.path]));
  }
  const mine = list.find((o) => o.manager === a.manager && o.operation === 'Apply');
  const others = list.filter((o) => o !== mine).reduce((s, o) => s.union(o.set), new FieldSet());
  // Fields this manager applied before and no longer does go, unless someone else holds them.
  const dropped = (mine?.set ?? new FieldSet()).difference(appliedSet);
  for (const p of dropped) {
    const holder = p[p.length - 1] === '.' ? p.slice(0, -1) : p;
    if (others.hasPrefix(holder) || appliedSet.hasPrefix(holder)) continue;
    removeAt(object, p);
  }
  const entry: Owner = mine ?? { manager: a.manager, operation: 'Apply', set: appliedSet };
  entry.set = appliedSet;
  entry.apiVersion = a.applied.apiVersion;
  entry.time = a.now;
  write(object, mine ? list : [...list, entry]);
  return { object, conflicts: [] };
}

/**
 * A create, update or patch by `manager` (operation Update): it owns what it set or changed,
 * which other managers lose; removed fields leave every manager. A write that sets
 * managedFields itself (kubectl's client-side-apply upgrade does) keeps what it wrote.
 */
export function recordUpdate(
  old: KubeObject | undefined,
  next: KubeObject,
  manager: string,
  shape: Ownable,
  now: string,
): void {
  const given = (next.metadata as { managedFields?: unknown }).managedFields;
  const had = (old?.metadata as { managedFields?: unknown } | undefined)?.managedFields;
  if (given !== undefined && !same(given, had)) return;
  const list = owners(old);
  const after = fieldsOf(next, shape);
  // A create sets every field it has and removes none: no walk of an old object to compare.
  const before = old ? fieldsOf(old, shape) : undefined;
  const changed = before
    ? FieldSet.of(
        [...after].filter(
          (p) => !before.has(p) || (p[p.length - 1] !== '.' && !same(valueAt(old, p), valueAt(next, p))),
        ),
      )
    : after;
  const removed = before ? before.difference(after) : new FieldSet();
  if (changed.size === 0 && removed.size === 0 && old) return;
  for (const o of list) o.set = o.set.difference(changed).difference(removed);
  let mine = list.find((o) => o.manager === manager && o.operation === 'Update');
  if (!mine) {
    mine = { manager, operation: 'Update', set: new FieldSet() };
    list.push(mine);
  }
  mine.set = mine.set.union(changed).difference(removed);
  mine.apiVersion = next.apiVersion;
  mine.time = now;
  write(next, list);
}
