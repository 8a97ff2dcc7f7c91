// Every call to the hub: the public Kubernetes-shaped API, the signed-in token as a bearer
// token, errors as ApiError. The dashboard has no other way in (like kubectl).

import { errorFrom, UnauthorizedError } from './errors.js';
import { fetchRetryingNetworkErrors } from './network-retry.js';
import { clearToken, getToken } from './token.js';

/** Told when the hub refuses the token, so the app shows the login again. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

export function authHeaders(token = getToken()): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

export interface RequestOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Content-Type of the body (default application/json). */
  contentType?: string;
  signal?: AbortSignal;
}

export async function request(path: string, o: RequestOptions = {}): Promise<Response> {
  const res = await fetchRetryingNetworkErrors(fetch, path, {
    method: o.method ?? 'GET',
    signal: o.signal,
    headers: {
      Accept: 'application/json',
      ...authHeaders(),
      ...(o.body !== undefined ? { 'Content-Type': o.contentType ?? 'application/json' } : {}),
    },
    body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
  });
  if (res.ok) return res;
  const err = await errorFrom(res);
  if (err instanceof UnauthorizedError) {
    clearToken();
    onUnauthorized();
  }
  throw err;
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await (await request(path, { signal })).json()) as T;
}

/** JSON merge patch (RFC 7386), what `kubectl patch --type merge` sends. */
export async function mergePatch<T>(path: string, patch: unknown): Promise<T> {
  const res = await request(path, {
    method: 'PATCH',
    body: patch,
    contentType: 'application/merge-patch+json',
  });
  return (await res.json()) as T;
}

/** Checks a token before keeping it: a cheap list the dashboard needs anyway. */
export async function checkToken(token: string): Promise<void> {
  const res = await fetchRetryingNetworkErrors(fetch, '/api/v1/nodes?limit=1', {
    headers: { Accept: 'application/json', ...authHeaders(token) },
  });
  if (!res.ok) throw await errorFrom(res);
}
