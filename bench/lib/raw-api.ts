// Raw HTTP calls to a hub the benchmark started, with any method and content type (server-side
// apply's application/apply-patch+yaml, which the ApiClient does not speak), as its admin
// kubeconfig allows: the hub CA and the admin client certificate, one keep-alive pool.

import { join } from 'node:path';
import { readKubeconfig } from '../../cli/api.js';
import { tlsFetch } from '../../hub/api/client-tls.js';

export interface RawAnswer {
  status: number;
  body: unknown;
  text: string;
}

export interface RawApi {
  server: string;
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<RawAnswer>;
}

/** An API call that answered with another status than `expected` (the benchmark counts it an error). */
export class UnexpectedStatusError extends Error {
  override name = 'UnexpectedStatusError';
}

export function rawApi(dataDir: string): RawApi {
  const kc = readKubeconfig(join(dataDir, 'kubeconfig'));
  const f = tlsFetch(kc.tls);
  return {
    server: kc.server,
    async call(method, path, body, contentType = 'application/json') {
      const res = await f(kc.server + path, {
        method,
        headers: {
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': contentType } : {}),
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed, text };
    },
  };
}

/** Calls and throws UnexpectedStatusError unless the answer has one of the expected statuses. */
export async function expectStatus(
  api: RawApi,
  expected: number[],
  method: string,
  path: string,
  body?: unknown,
  contentType?: string,
): Promise<RawAnswer> {
  const r = await api.call(method, path, body, contentType);
  if (!expected.includes(r.status))
    throw new UnexpectedStatusError(`${method} ${path}: HTTP ${r.status}: ${r.text.slice(0, 300)}`);
  return r;
}
