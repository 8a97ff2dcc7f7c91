// A CRD version's schema checks, done by ajv (a well-kept JSON Schema validator), with the
// errors told as kube-apiserver tells them: one StatusCause per field, its path in dotted form
// (`spec.items[0].name`) and upstream's wording (`Required value`, `Unsupported value`,
// `spec.replicas in body must be of type integer`). OpenAPI v3.0 differs from the draft ajv
// reads in two places, converted first: boolean exclusiveMinimum/Maximum, and the Kubernetes
// extension x-kubernetes-int-or-string (a type of integer or string).

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JSONSchemaProps } from '../../../shared/api/crd.js';
import type { StatusCause } from '../../../shared/api/types.js';
import { cause, required } from '../meta.js';
import { isPlainObject } from '../patch/merge.js';

/** Formats are not checked (ajv's are not Kubernetes'); kube-openapi's list differs. */
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, verbose: true, logger: false });

/** The schema in the draft ajv reads; extensions and documentation dropped. */
export function toAjvSchema(s: JSONSchemaProps): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k.startsWith('x-kubernetes-') || k === 'description' || k === 'default' || k === 'format') continue;
    if (k === 'properties' && isPlainObject(v))
      out.properties = Object.fromEntries(
        Object.entries(v as Record<string, JSONSchemaProps>).map(([p, x]) => [p, toAjvSchema(x)]),
      );
    else if (k === 'items' || k === 'not' || (k === 'additionalProperties' && isPlainObject(v)))
      out[k] = toAjvSchema(v as JSONSchemaProps);
    else if ((k === 'allOf' || k === 'anyOf' || k === 'oneOf') && Array.isArray(v))
      out[k] = (v as JSONSchemaProps[]).map(toAjvSchema);
    else if (k !== 'exclusiveMinimum' && k !== 'exclusiveMaximum') out[k] = v;
  }
  if (s.exclusiveMinimum === true && s.minimum !== undefined) {
    out.exclusiveMinimum = s.minimum;
    delete out.minimum;
  }
  if (s.exclusiveMaximum === true && s.maximum !== undefined) {
    out.exclusiveMaximum = s.maximum;
    delete out.maximum;
  }
  if (s['x-kubernetes-int-or-string'] === true) out.type = ['integer', 'string'];
  return out;
}

/** `/spec/items/0/name` of obj -> `spec.items[0].name`. */
function fieldPath(obj: unknown, pointer: string): string {
  let path = '';
  let cur: unknown = obj;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = Array.isArray(cur) ? `${path}[${seg}]` : path ? `${path}.${seg}` : seg;
    cur = isPlainObject(cur) || Array.isArray(cur) ? (cur as Record<string, unknown>)[seg] : undefined;
  }
  return path;
}

function shown(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return '"null"';
  return `"${Array.isArray(v) ? 'array' : 'object'}"`;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function toCause(obj: unknown, e: ErrorObject): StatusCause {
  const at = fieldPath(obj, e.instancePath);
  const p = e.params as Record<string, unknown>;
  const field = at || '<root>';
  switch (e.keyword) {
    case 'required': {
      const f = at ? `${at}.${String(p.missingProperty)}` : String(p.missingProperty);
      return required(f);
    }
    case 'type': {
      const want = Array.isArray(p.type) ? (p.type as string[]).join(',') : String(p.type);
      const got = typeName(e.data);
      return cause(
        field,
        `Invalid value: "${got}": ${field} in body must be of type ${want}: "${got}"`,
        'FieldValueTypeInvalid',
      );
    }
    case 'enum': {
      const allowed = ((p.allowedValues as unknown[]) ?? []).map((x) => JSON.stringify(x)).join(', ');
      return cause(
        field,
        `Unsupported value: ${shown(e.data)}: supported values: ${allowed}`,
        'FieldValueNotSupported',
      );
    }
    case 'minimum':
    case 'exclusiveMinimum':
      return cause(
        field,
        `Invalid value: ${shown(e.data)}: ${field} in body should be greater than ${e.keyword === 'minimum' ? 'or equal to ' : ''}${String(p.limit)}`,
      );
    case 'maximum':
    case 'exclusiveMaximum':
      return cause(
        field,
        `Invalid value: ${shown(e.data)}: ${field} in body should be less than ${e.keyword === 'maximum' ? 'or equal to ' : ''}${String(p.limit)}`,
      );
    case 'pattern':
      return cause(
        field,
        `Invalid value: ${shown(e.data)}: ${field} in body should match '${String(p.pattern)}'`,
      );
    case 'minLength':
      return cause(
        field,
        `Invalid value: ${shown(e.data)}: ${field} in body should be at least ${String(p.limit)} chars long`,
      );
    case 'maxLength':
      return cause(field, `Too long: may not be longer than ${String(p.limit)}`, 'FieldValueTooLong');
    case 'minItems':
      return cause(
        field,
        `Invalid value: ${(e.data as unknown[]).length}: ${field} in body should have at least ${String(p.limit)} items`,
      );
    case 'maxItems':
      return cause(
        field,
        `Too many: ${(e.data as unknown[]).length}: must have at most ${String(p.limit)} items`,
        'FieldValueTooMany',
      );
    default:
      return cause(field, `Invalid value: ${shown(e.data)}: ${field} in body ${e.message ?? 'is invalid'}`);
  }
}

export type CustomValidator = (obj: unknown) => StatusCause[];

/** Compiles schema once; throws (with ajv's reason) when it cannot be compiled, e.g. a bad pattern. */
export function compileValidator(schema: JSONSchemaProps): CustomValidator {
  const fn: ValidateFunction = ajv.compile(toAjvSchema(schema));
  return (obj) => {
    if (fn(obj)) return [];
    // anyOf/oneOf report each branch and then themselves; the summary is what upstream shows.
    const errs = (fn.errors ?? []).filter((e) => !/\/(anyOf|oneOf)\/\d+\//.test(e.schemaPath));
    return errs.map((e) => toCause(obj, e));
  };
}
