// Small reads of a hub's API for tests (plain fetch, so tests do not depend on CLI code).

import type { KubeObject, Node } from '../../shared/api/types.js';

export async function getJson<T = unknown>(apiUrl: string, path: string): Promise<T> {
  const res = await fetch(`${apiUrl}${path}`, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** The node's Ready condition status ('True' | 'False' | 'Unknown'), undefined when absent. */
export async function nodeReady(apiUrl: string, name: string): Promise<string | undefined> {
  try {
    const n = await getJson<Node>(apiUrl, `/api/v1/nodes/${name}`);
    return n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  } catch {
    return undefined;
  }
}

export async function listNames(apiUrl: string, path: string): Promise<string[]> {
  const l = await getJson<{ items: KubeObject[] }>(apiUrl, path);
  return l.items
    .map((o) => `${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`)
    .sort();
}

/**
 * A raw request to a hub's API, for tests that send what no client would (hostile bodies).
 * The one place tests open API connections themselves, so credentials can be added here.
 */
export function apiFetch(apiUrl: string, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${apiUrl}${path}`, { signal: AbortSignal.timeout(30_000), ...init });
}
