// Strategic merge patch for the built-in kinds: like a merge patch, except lists with a
// patchMergeKey merge element-wise by that key and `finalizers` merge as a set. Directives:
// `$patch: replace|delete|merge`, `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`
// (order only; ignored), `$retainKeys` (honoured). Merge keys are by field name, which is
// unambiguous for the kinds Drover serves. Lists without a strategy (tolerations, taints,
// containerStatuses, args, ...) replace, as upstream.

import { isPlainObject } from './merge.js';

export const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  resourceClaims: 'name',
  ports: 'containerPort',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  conditions: 'type',
  addresses: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
};

/** Lists of scalars merged as sets. */
export const SET_LISTS = new Set(['finalizers']);

export class StrategicPatchError extends Error {
  override name = 'StrategicPatchError';
}

function mergeList(field: string, cur: unknown, patch: unknown[]): unknown[] {
  const key = MERGE_KEYS[field];
  const base = Array.isArray(cur) ? [...cur] : [];
  if (patch.some((p) => isPlainObject(p) && p.$patch === 'replace')) {
    return patch.filter((p) => !(isPlainObject(p) && p.$patch === 'replace')).map((p) => strip(p));
  }
  if (SET_LISTS.has(field)) {
    for (const p of patch) if (!base.includes(p)) base.push(p);
    return base;
  }
  if (!key) return patch.map((p) => strip(p));
  for (const p of patch) {
    if (!isPlainObject(p))
      throw new StrategicPatchError(`${field}: element must be an object with merge key "${key}"`);
    const kv = p[key];
    const i = base.findIndex((b) => isPlainObject(b) && b[key] === kv);
    if (p.$patch === 'delete') {
      if (i >= 0) base.splice(i, 1);
      continue;
    }
    if (i >= 0) base[i] = strategicMerge(base[i], p);
    else base.push(strip(p));
  }
  return base;
}

/** Removes directives from a value inserted wholesale. */
function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = strip(x);
  return out;
}

export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  if (patch.$patch === 'replace') return strip(patch);
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k.startsWith('$setElementOrder/') || k === '$retainKeys' || k === '__proto__')
      continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const f = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[f]) && Array.isArray(v))
        out[f] = (out[f] as unknown[]).filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = mergeList(k, out[k], v);
    else if (isPlainObject(v)) {
      const m = strategicMerge(out[k], v);
      if (m === undefined) delete out[k];
      else out[k] = m;
    } else out[k] = v;
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as unknown[]);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}
