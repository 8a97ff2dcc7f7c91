// Whether a CRD version's openAPIV3Schema is structural, as apiextensions.k8s.io/v1 requires
// (upstream pkg/apiserver/schema: every specified node has a type unless it is int-or-string
// or preserves unknown fields; no $ref, definitions, dependencies, patternProperties,
// additionalItems or uniqueItems; properties and additionalProperties exclusive; at the root
// an object whose metadata may only restrict name and generateName).

import type { JSONSchemaProps } from '../../../shared/api/crd.js';
import type { StatusCause } from '../../../shared/api/types.js';
import { cause, notSupported, required } from '../meta.js';
import { isPlainObject } from '../patch/merge.js';

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);
const FORBIDDEN = [
  '$ref',
  '$schema',
  'id',
  'definitions',
  'dependencies',
  'patternProperties',
  'additionalItems',
];
const JUNCTORS = ['allOf', 'anyOf', 'oneOf'] as const;
/** Inside allOf/anyOf/oneOf/not only value validations may appear (upstream's junctor rule). */
const NOT_IN_JUNCTORS = [
  'type',
  'default',
  'nullable',
  'description',
  'additionalProperties',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
];

function walk(s: JSONSchemaProps, path: string, out: StatusCause[], inJunctor: boolean): void {
  if (!isPlainObject(s)) {
    out.push(cause(path, 'Invalid value: must be a schema object'));
    return;
  }
  for (const k of FORBIDDEN)
    if (s[k] !== undefined)
      out.push(cause(`${path}.${k}`, 'Forbidden: must not be set', 'FieldValueForbidden'));
  if (s.uniqueItems === true)
    out.push(
      cause(
        `${path}.uniqueItems`,
        'Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic',
        'FieldValueForbidden',
      ),
    );
  if (inJunctor) {
    for (const k of NOT_IN_JUNCTORS)
      if (s[k] !== undefined)
        out.push(cause(`${path}.${k}`, 'Forbidden: must be empty to be structural', 'FieldValueForbidden'));
  } else {
    const preserves = s['x-kubernetes-preserve-unknown-fields'] === true;
    const intOrString = s['x-kubernetes-int-or-string'] === true;
    if (s.type === undefined && !preserves && !intOrString)
      out.push(required(`${path}.type`, 'must not be empty for specified fields'));
    if (s.type !== undefined && !TYPES.has(s.type))
      out.push(
        notSupported(`${path}.type`, s.type, ['array', 'boolean', 'integer', 'number', 'object', 'string']),
      );
    if (intOrString && s.type !== undefined)
      out.push(cause(`${path}.type`, 'Invalid value: must be empty if x-kubernetes-int-or-string is true'));
    if (s['x-kubernetes-embedded-resource'] === true && s.type !== 'object')
      out.push(
        cause(`${path}.type`, 'Invalid value: must be object if x-kubernetes-embedded-resource is true'),
      );
  }
  if (s.properties !== undefined && s.additionalProperties !== undefined && s.additionalProperties !== false)
    out.push(
      cause(
        `${path}.additionalProperties`,
        'Forbidden: additionalProperties and properties are mutual exclusive',
        'FieldValueForbidden',
      ),
    );
  if (s.additionalProperties === false)
    out.push(cause(`${path}.additionalProperties`, 'Forbidden: must not be false', 'FieldValueForbidden'));
  if (s.type === 'array' && !inJunctor && s.items === undefined)
    out.push(required(`${path}.items`, 'must be specified for arrays'));
  for (const [k, v] of Object.entries(s.properties ?? {}))
    walk(v, `${path}.properties[${k}]`, out, inJunctor);
  if (isPlainObject(s.additionalProperties))
    walk(s.additionalProperties as JSONSchemaProps, `${path}.additionalProperties`, out, inJunctor);
  if (s.items !== undefined) walk(s.items, `${path}.items`, out, inJunctor);
  for (const j of JUNCTORS)
    for (const [i, x] of (s[j] ?? []).entries()) walk(x, `${path}.${j}[${i}]`, out, true);
  if (s.not !== undefined) walk(s.not, `${path}.not`, out, true);
}

/** Violations of the structural rules, each with its field path under path. */
export function structuralErrors(schema: JSONSchemaProps | undefined, path: string): StatusCause[] {
  if (schema === undefined) return [required(path, 'schemas are required')];
  const out: StatusCause[] = [];
  walk(schema, path, out, false);
  if (schema.type !== 'object') out.push(cause(`${path}.type`, 'Invalid value: must be object at the root'));
  const meta = schema.properties?.metadata;
  if (meta) {
    // Only name and generateName may be restricted: the rest of ObjectMeta is the server's.
    const extra = Object.keys(meta).filter((k) => !['type', 'properties', 'description'].includes(k));
    const props = Object.keys(meta.properties ?? {}).filter((k) => k !== 'name' && k !== 'generateName');
    if (meta.type !== undefined && meta.type !== 'object')
      out.push(cause(`${path}.properties[metadata].type`, 'Invalid value: must be object'));
    if (extra.length || props.length)
      out.push(
        cause(
          `${path}.properties[metadata]`,
          'Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified',
          'FieldValueForbidden',
        ),
      );
  }
  return out;
}
