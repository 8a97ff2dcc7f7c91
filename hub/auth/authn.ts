// Request authentication, as kube-apiserver's union authenticator: each authenticator looks for
// its own kind of credential; the first that accepts one names the user. A credential that is
// present but wrong (another CA, an expired or deleted token) and no other that is accepted ->
// 401. No credential at all -> 401 too: this hub allows no anonymous requests (only the health
// and version paths are open, before authentication).

import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { UnauthorizedError } from '../api/errors.js';
import type { UserInfo } from './user.js';

export interface AuthnRequest {
  headers: IncomingHttpHeaders;
  socket: Socket;
}

/** undefined: no credential of this kind; {error}: one was presented and refused. */
export type AuthnResult = { user: UserInfo } | { error: string } | undefined;

export interface Authenticator {
  /** For logs: 'x509', 'bootstrap-token', 'serviceaccount-token'. */
  readonly kind: string;
  authenticate(req: AuthnRequest): Promise<AuthnResult>;
}

export type Authenticate = (req: AuthnRequest) => Promise<UserInfo>;

/** The user of the first authenticator that accepts a credential, else UnauthorizedError. */
export function unionAuthenticator(authenticators: Authenticator[]): Authenticate {
  return async (req) => {
    const errors: string[] = [];
    for (const a of authenticators) {
      const r = await a.authenticate(req);
      if (r && 'user' in r) return r.user;
      if (r) errors.push(`${a.kind}: ${r.error}`);
    }
    // The Status says only "Unauthorized", as kube-apiserver's does: why is for the hub's log.
    throw new UnauthorizedError('Unauthorized', errors);
  };
}

/** The token of an `Authorization: Bearer <token>` header, else undefined. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const h = headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}
