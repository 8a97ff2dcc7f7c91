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

async function postJson<T = unknown>(apiUrl: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${apiUrl}${path}`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const out = (await res.json()) as T;
  if (!res.ok && res.status !== 409) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

/**
 * A bearer token for ServiceAccount default/<name>, bound to clusterRole cluster-wide (made by
 * the test's admin, through trustHub): what a browser or a script signs in with.
 */
export async function serviceAccountToken(
  apiUrl: string,
  name: string,
  clusterRole: string,
): Promise<string> {
  await postJson(apiUrl, '/api/v1/namespaces/default/serviceaccounts', { metadata: { name } });
  await postJson(apiUrl, '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    metadata: { name: `${name}-${clusterRole}` },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
    subjects: [{ kind: 'ServiceAccount', name, namespace: 'default' }],
  });
  const tr = await postJson<{ status: { token: string } }>(
    apiUrl,
    `/api/v1/namespaces/default/serviceaccounts/${name}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 86_400 } },
  );
  // RBAC reads bindings through a watch: wait until this one is seen.
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const r = await fetch(`${apiUrl}/api/v1/namespaces`, {
      headers: { authorization: `Bearer ${tr.status.token}` },
    });
    if (r.ok) return tr.status.token;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`the token of service account ${name} was not accepted within 10 s`);
}
