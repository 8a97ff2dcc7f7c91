// Known-field schemas for strict decoding (kube-apiserver's fieldValidation=Strict): every
// kind lists its fields, nested, so an unknown field such as `spec.foo` or a wrong JSON type
// is refused with its path instead of being silently dropped.

export type Schema =
  | { t: 'object'; fields: Record<string, Schema> }
  | { t: 'map'; values: Schema }
  | { t: 'array'; items: Schema }
  | { t: 'string' }
  | { t: 'int' }
  | { t: 'number' }
  | { t: 'bool' }
  | { t: 'intOrString' }
  | { t: 'any' };

export const str: Schema = { t: 'string' };
export const int: Schema = { t: 'int' };
export const num: Schema = { t: 'number' };
export const bool: Schema = { t: 'bool' };
export const intOrStr: Schema = { t: 'intOrString' };
export const any: Schema = { t: 'any' };
/** Quantities are strings in manifests but may be written as bare numbers (`cpu: 1`). */
export const quantity: Schema = intOrStr;
export const obj = (fields: Record<string, Schema>): Schema => ({ t: 'object', fields });
export const map = (values: Schema): Schema => ({ t: 'map', values });
export const arr = (items: Schema): Schema => ({ t: 'array', items });
export const strMap: Schema = map(str);
export const strArr: Schema = arr(str);

export interface SchemaProblem {
  kind: 'unknown' | 'type';
  path: string;
  message: string;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Walks value against schema; returns unknown fields and type mismatches. null is allowed anywhere (omitted).
 * Runs on every API write (the whole object) and every pod report: the path of a field is
 * kept as segments and made a string only for a problem (nearly never), and nothing is
 * allocated per field (building each path and concatenating the children's results was
 * most of its cost).
 */
export function checkSchema(value: unknown, schema: Schema, path = ''): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  walk(value, schema, path, [], out);
  return out;
}

/** The path of segs under base, as the problems name it: `a.b[2].c` (map keys as fields). */
function pathOf(base: string, segs: readonly (string | number)[]): string {
  let p = base;
  for (const s of segs) p = typeof s === 'number' ? `${p}[${s}]` : p ? `${p}.${s}` : s;
  return p;
}

function walk(
  value: unknown,
  schema: Schema,
  base: string,
  segs: (string | number)[],
  out: SchemaProblem[],
): void {
  if (value === null || value === undefined) return;
  const bad = (want: string): void => {
    const at = pathOf(base, segs) || '<root>';
    out.push({ kind: 'type', path: at, message: `${at}: expected ${want}, got ${typeName(value)}` });
  };
  switch (schema.t) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') bad('string');
      return;
    case 'int':
      if (!(typeof value === 'number' && Number.isInteger(value))) bad('integer');
      return;
    case 'number':
      if (typeof value !== 'number') bad('number');
      return;
    case 'bool':
      if (typeof value !== 'boolean') bad('boolean');
      return;
    case 'intOrString':
      if (typeof value !== 'string' && typeof value !== 'number') bad('integer or string');
      return;
    case 'array': {
      if (!Array.isArray(value)) {
        bad('array');
        return;
      }
      for (let i = 0; i < value.length; i++) {
        segs.push(i);
        walk(value[i], schema.items, base, segs, out);
        segs.pop();
      }
      return;
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        bad('object');
        return;
      }
      const rec = value as Record<string, unknown>;
      for (const k of Object.keys(rec)) {
        segs.push(k);
        walk(rec[k], schema.values, base, segs, out);
        segs.pop();
      }
      return;
    }
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) {
        bad('object');
        return;
      }
      const rec = value as Record<string, unknown>;
      for (const k of Object.keys(rec)) {
        segs.push(k);
        const s = Object.hasOwn(schema.fields, k) ? schema.fields[k] : undefined;
        if (!s) {
          const p = pathOf(base, segs);
          out.push({ kind: 'unknown', path: p, message: `unknown field "${p}"` });
        } else walk(rec[k], s, base, segs, out);
        segs.pop();
      }
      return;
    }
  }
}

/** Removes unknown fields in place (fieldValidation=Ignore/Warn). */
export function dropUnknown(value: unknown, schema: Schema): void {
  if (value === null || typeof value !== 'object') return;
  if (schema.t === 'array' && Array.isArray(value)) for (const v of value) dropUnknown(v, schema.items);
  else if (schema.t === 'map') for (const v of Object.values(value)) dropUnknown(v, schema.values);
  else if (schema.t === 'object' && !Array.isArray(value)) {
    const rec = value as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      // Own fields only: "constructor" is no field of any kind.
      if (!Object.hasOwn(schema.fields, k)) delete rec[k];
      else dropUnknown(rec[k], schema.fields[k]);
    }
  }
}

export const ownerReference = obj({
  apiVersion: str,
  kind: str,
  name: str,
  uid: str,
  controller: bool,
  blockOwnerDeletion: bool,
});

export const objectMeta = obj({
  name: str,
  generateName: str,
  namespace: str,
  uid: str,
  resourceVersion: str,
  generation: int,
  creationTimestamp: str,
  deletionTimestamp: str,
  deletionGracePeriodSeconds: int,
  labels: strMap,
  annotations: strMap,
  ownerReferences: arr(ownerReference),
  finalizers: strArr,
  managedFields: any,
  selfLink: str,
});

/** The envelope every kind shares; `rest` adds spec/status/data/... */
export function kindSchema(rest: Record<string, Schema>): Schema {
  return obj({ apiVersion: str, kind: str, metadata: objectMeta, ...rest });
}

/** core/v1 ObjectReference (Event.involvedObject, CronJob.status.active). */
export const objectReference = obj({
  apiVersion: str,
  kind: str,
  name: str,
  namespace: str,
  uid: str,
  resourceVersion: str,
  fieldPath: str,
});

export const labelSelector = obj({
  matchLabels: strMap,
  matchExpressions: arr(obj({ key: str, operator: str, values: strArr })),
});
