// The pod-template-hash label: names a Deployment's ReplicaSet after its pod template.
// Kubernetes hashes the Go struct dump (fnv32a) and encodes the decimal with
// rand.SafeEncodeString; Drover hashes the template's canonical JSON the same way. Not
// byte-identical to upstream, but stable: the same template always gives the same hash.
// Templates are compared after normalizing away what a JSON round trip through Go types
// (kubectl rollout undo) adds or drops: nulls, empty objects/arrays/strings and `false`.

import type { PodTemplateSpec } from '../../shared/api/apps.js';
import { POD_TEMPLATE_HASH_LABEL } from '../../shared/api/apps.js';
import { jsonClone } from '../../shared/json-clone.js';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prune);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const x = prune((v as Record<string, unknown>)[k]);
    if (x === null || x === undefined || x === '' || x === false) continue;
    if (Array.isArray(x) && x.length === 0) continue;
    if (typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 0) continue;
    out[k] = x;
  }
  return out;
}

/** The template without the hash label, pruned and key-sorted: the basis of equality and hashing. */
export function normalizeTemplate(t: PodTemplateSpec | undefined): string {
  const copy = jsonClone(t ?? {}) as PodTemplateSpec;
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
  return JSON.stringify(prune(copy) ?? {});
}

/** Kubernetes' EqualIgnoreHash: same template apart from the pod-template-hash label. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return normalizeTemplate(a) === normalizeTemplate(b);
}

function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each character mapped into an alphabet without vowels or look-alikes. */
export function safeEncode(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}

/** controller.ComputeHash: hash of the template, salted by the collision count when set. */
export function computeHash(t: PodTemplateSpec | undefined, collisionCount?: number): string {
  let text = normalizeTemplate(t);
  if (collisionCount !== undefined && collisionCount !== null) text += `\n${collisionCount}`;
  return safeEncode(String(fnv32a(text)));
}
