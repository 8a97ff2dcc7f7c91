// Structural defaulting of custom objects (upstream structural/defaulting): a property that is
// absent, or null where the schema does not allow null, takes a deep copy of its `default`;
// then defaulting goes on inside objects, maps and array items.

import type { JSONSchemaProps } from '../../../shared/api/crd.js';
import { isPlainObject } from '../patch/merge.js';

export function applyDefaults(v: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (Array.isArray(v)) {
    for (const x of v) applyDefaults(x, s.items);
    return;
  }
  if (!isPlainObject(v)) return;
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    const absent = !(k in v) || (v[k] === null && p.nullable !== true);
    if (absent && p.default !== undefined) v[k] = structuredClone(p.default);
    applyDefaults(v[k], p);
  }
  if (isPlainObject(s.additionalProperties))
    for (const [k, x] of Object.entries(v))
      if (!s.properties?.[k]) applyDefaults(x, s.additionalProperties as JSONSchemaProps);
}
