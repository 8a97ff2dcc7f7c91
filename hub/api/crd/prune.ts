// Pruning of custom objects (upstream structural/pruning): a field the structural schema does
// not specify is dropped, unless its object preserves unknown fields. apiVersion, kind and
// metadata of the object (and of an x-kubernetes-embedded-resource) always stay. A value of
// the wrong type is left for validation to refuse.

import type { JSONSchemaProps } from '../../../shared/api/crd.js';
import { isPlainObject } from '../patch/merge.js';

const TYPE_META = new Set(['apiVersion', 'kind', 'metadata']);

function join(path: string, k: string): string {
  return path ? `${path}.${k}` : k;
}

function pruneValue(
  v: unknown,
  s: JSONSchemaProps | undefined,
  path: string,
  out: string[],
  root: boolean,
): void {
  if (Array.isArray(v)) {
    if (s?.items) for (const [i, x] of v.entries()) pruneValue(x, s.items, `${path}[${i}]`, out, false);
    return;
  }
  if (!isPlainObject(v) || !s) return;
  const preserves = s['x-kubernetes-preserve-unknown-fields'] === true;
  const keepMeta = root || s['x-kubernetes-embedded-resource'] === true;
  const extra = isPlainObject(s.additionalProperties)
    ? (s.additionalProperties as JSONSchemaProps)
    : undefined;
  for (const k of Object.keys(v)) {
    if (keepMeta && TYPE_META.has(k)) {
      // The root's metadata is ObjectMeta (checked apart); an embedded one keeps what it has.
      if (!root && k === 'metadata' && s.properties?.metadata)
        pruneValue(v[k], s.properties.metadata, join(path, k), out, false);
      continue;
    }
    const sub = s.properties?.[k] ?? extra;
    if (sub) pruneValue(v[k], sub, join(path, k), out, false);
    else if (!preserves && s.additionalProperties !== true) {
      out.push(join(path, k));
      delete v[k];
    }
  }
}

/** Drops what the schema does not specify, in place; returns the dropped fields' paths. */
export function prune(obj: Record<string, unknown>, schema: JSONSchemaProps): string[] {
  const out: string[] = [];
  pruneValue(obj, schema, '', out, true);
  return out;
}
