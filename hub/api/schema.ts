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

/** Walks value against schema; returns unknown fields and type mismatches. null is allowed anywhere (omitted). */
export function checkSchema(value: unknown, schema: Schema, path = ''): SchemaProblem[] {
  if (value === null || value === undefined) return [];
  const at = path || '<root>';
  const bad = (want: string): SchemaProblem[] => [
    { kind: 'type', path: at, message: `${at}: expected ${want}, got ${typeName(value)}` },
  ];
  switch (schema.t) {
    case 'any':
      return [];
    case 'string':
      return typeof value === 'string' ? [] : bad('string');
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) ? [] : bad('integer');
    case 'number':
      return typeof value === 'number' ? [] : bad('number');
    case 'bool':
      return typeof value === 'boolean' ? [] : bad('boolean');
    case 'intOrString':
      return typeof value === 'string' || typeof value === 'number' ? [] : bad('integer or string');
    case 'array': {
      if (!Array.isArray(value)) return bad('array');
      return value.flatMap((v, i) => checkSchema(v, schema.items, `${path}[${i}]`));
    }
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) return bad('object');
      return Object.entries(value).flatMap(([k, v]) =>
        checkSchema(v, schema.values, path ? `${path}.${k}` : k),
      );
    }
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return bad('object');
      const out: SchemaProblem[] = [];
      for (const [k, v] of Object.entries(value)) {
        const p = path ? `${path}.${k}` : k;
        const s = schema.fields[k];
        if (!s) out.push({ kind: 'unknown', path: p, message: `unknown field "${p}"` });
        else out.push(...checkSchema(v, s, p));
      }
      return out;
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
      if (!schema.fields[k]) delete rec[k];
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
