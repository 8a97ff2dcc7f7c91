// Object/metadata helpers shared by the verbs: store keys, timestamps, uids, and the
// validation every kind's metadata gets (names, labels, annotations).

import { randomUUID } from 'node:crypto';
import { jsonClone } from '../../shared/json-clone.js';
import type { KubeObject, ObjectMeta, StatusCause } from '../../shared/api/types.js';
import type { KeyValue } from '../store/store.js';
import {
  ANNOTATIONS_TOTAL_MAX,
  isDns1123Label,
  isDns1123Subdomain,
  isLabelValue,
  isQualifiedName,
} from '../../shared/api/validation.js';
import type { ResourceDef } from './resource.js';

export function storeKey(def: ResourceDef, namespace: string | undefined, name: string): string {
  const r = def.custom?.storagePath ?? def.resource;
  return def.namespaced ? `/registry/${r}/${namespace}/${name}` : `/registry/${r}/${name}`;
}

/** Prefix for list/watch: all namespaces when namespace is undefined. */
export function storePrefix(def: ResourceDef, namespace: string | undefined): string {
  const r = def.custom?.storagePath ?? def.resource;
  return def.namespaced && namespace ? `/registry/${r}/${namespace}/` : `/registry/${r}/`;
}

/**
 * The object as clients see it: stored JSON plus resourceVersion = modRevision. Read through
 * a custom resource's version (def), it carries that version's apiVersion: a CRD's versions
 * convert with strategy None, which changes nothing else (as upstream's nopConverter).
 */
export function fromKv<T extends KubeObject = KubeObject>(kv: KeyValue, def?: ResourceDef): T {
  return asServed(JSON.parse(kv.value) as T, kv, def);
}

/**
 * o, the stored form of kv's value (parsed, or a copy of what was written), as served:
 * resourceVersion = modRevision (last in metadata); a custom resource in def's version.
 */
export function asServed<T extends KubeObject>(o: T, kv: KeyValue, def?: ResourceDef): T {
  const meta = metaWithoutVersion(o.metadata ?? {});
  meta.resourceVersion = String(kv.modRevision);
  o.metadata = meta;
  if (def?.custom) o.apiVersion = def.group ? `${def.group}/${def.version}` : def.version;
  return o;
}

/**
 * A shallow copy of metadata without resourceVersion: what `const { resourceVersion, ...m } =
 * metadata` gives, 5-10x faster (~0.3 against 2-5 µs on a pod's metadata, Node 20; it runs
 * for every object served and every object written).
 */
function metaWithoutVersion(m: ObjectMeta): ObjectMeta {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(m)) {
    if (k === 'resourceVersion') continue;
    const v = (m as Record<string, unknown>)[k];
    // An own "__proto__" key (as JSON.parse makes it) stays a key; assigning it sets the prototype.
    if (k === '__proto__')
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out as ObjectMeta;
}

/** Stored form: the object without resourceVersion (shares everything else with obj). */
export function toStored(obj: KubeObject): KubeObject {
  return { ...obj, metadata: metaWithoutVersion(obj.metadata) };
}

/** The stored form as the store keeps it (JSON text). */
export function toValue(obj: KubeObject): string {
  return JSON.stringify(toStored(obj));
}

/**
 * The object as fromKv would read back the row just written from it (its stored value was
 * toValue(obj)): obj itself, without parsing the bytes it was serialized to a moment ago.
 */
export function asWritten<T extends KubeObject>(obj: T, kv: KeyValue, def?: ResourceDef): T {
  return asServed(obj, kv, def);
}

/** The last second nowTimestamp formatted, and its text: a create asks twice, a burst many times. */
let lastSecond = Number.NaN;
let lastText = '';

/** RFC 3339 at second precision, as Kubernetes writes metav1.Time. */
export function nowTimestamp(at = Date.now()): string {
  const second = Math.floor(at / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastText;
}

export function newUid(): string {
  return randomUUID();
}

const GEN_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** generateName + 5 random characters, as the apiserver's SimpleNameGenerator. */
export function generateName(base: string): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += GEN_ALPHABET[Math.floor(Math.random() * GEN_ALPHABET.length)];
  return `${base.slice(0, 58)}${s}`;
}

/** A deep copy with JSON's rules (shared/json-clone.ts). */
export const clone = jsonClone;

/** Kinds whose names are DNS-1123 labels (namespaces); everything else is a subdomain. */
const LABEL_NAMED = new Set(['namespaces']);
/** RBAC kinds take any name that is a valid path segment (`system:discovery`), as upstream's ValidateRBACName. */
const PATH_SEGMENT_NAMED = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);

function pathSegmentNameErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  if (/[/%]/.test(name)) return ["may not contain '/' or '%'"];
  return name ? [] : ['name or generateName is required'];
}

export function validateMeta(def: ResourceDef, obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const m = obj.metadata;
  const name = m.name ?? '';
  const nameErrs = LABEL_NAMED.has(def.resource)
    ? isDns1123Label(name)
    : PATH_SEGMENT_NAMED.has(def.resource)
      ? pathSegmentNameErrors(name)
      : isDns1123Subdomain(name);
  for (const msg of nameErrs)
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "${name}": ${msg}`,
    });
  for (const [k, v] of Object.entries(m.labels ?? {})) {
    for (const msg of isQualifiedName(k))
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message: `Invalid value: "${k}": ${msg}`,
      });
    for (const msg of isLabelValue(v))
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.labels',
        message: `Invalid value: "${v}": ${msg}`,
      });
  }
  let size = 0;
  for (const [k, v] of Object.entries(m.annotations ?? {})) {
    size += k.length + v.length;
    for (const msg of isQualifiedName(k))
      causes.push({
        reason: 'FieldValueInvalid',
        field: 'metadata.annotations',
        message: `Invalid value: "${k}": ${msg}`,
      });
  }
  if (size > ANNOTATIONS_TOTAL_MAX)
    causes.push({
      reason: 'FieldValueTooLong',
      field: 'metadata.annotations',
      message: `Too long: must have at most ${ANNOTATIONS_TOTAL_MAX} bytes`,
    });
  return causes;
}

/** Shorthand for one 422 cause. */
export function cause(field: string, message: string, reason = 'FieldValueInvalid'): StatusCause {
  return { reason, field, message };
}

/** The 422 cause for a missing field (field.Required): `Required value`, then `: detail` when given. */
export function required(field: string, detail = ''): StatusCause {
  return cause(field, detail ? `Required value: ${detail}` : 'Required value', 'FieldValueRequired');
}

/**
 * The 422 cause for a value outside a fixed set, in upstream's words (field.NotSupported):
 * `Unsupported value: "x": supported values: "a", "b"`, then note when given.
 */
export function notSupported(
  field: string,
  value: unknown,
  allowed: readonly string[],
  note = '',
): StatusCause {
  const list = allowed.map((a) => `"${a}"`).join(', ');
  return cause(
    field,
    `Unsupported value: "${String(value)}": supported values: ${list}${note ? ` ${note}` : ''}`,
    'FieldValueNotSupported',
  );
}

/** JSON with object keys sorted: equality that ignores key order. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : x,
  );
}
