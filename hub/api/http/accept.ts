// Content negotiation for kubectl's server-side printing:
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json`.

import type { IncludeObject } from '../table.js';

export interface TableRequest {
  /** The Table apiVersion asked for. */
  apiVersion: 'meta.k8s.io/v1' | 'meta.k8s.io/v1beta1';
}

export function wantsTable(accept: string | undefined): TableRequest | undefined {
  for (const part of (accept ?? '').split(',')) {
    const params = new Map<string, string>();
    for (const p of part.split(';').slice(1)) {
      const [k, v] = p.split('=').map((s) => s.trim());
      if (k) params.set(k, v ?? '');
    }
    if (params.get('as') === 'Table' && params.get('g') === 'meta.k8s.io') {
      const v = params.get('v');
      if (v === 'v1' || v === 'v1beta1') return { apiVersion: `meta.k8s.io/${v}` };
    }
  }
  return undefined;
}

export function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** Whether an Accept header admits JSON: none, any type, any application type, or application/json. */
export function acceptsJson(accept: string | undefined): boolean {
  if (!accept?.trim()) return true;
  return accept.split(',').some((part) => {
    const type = part.split(';')[0].trim().toLowerCase();
    return type === 'application/json' || type === '*/*' || type === 'application/*';
  });
}
