// Client certificates signed by the hub CA (the TLS layer verified chain and dates; the server
// asks for a certificate but lets an unverified one through so that this answers 401).
// User = subject CN, groups = each subject O, as Kubernetes' x509 authenticator.

import { TLSSocket } from 'node:tls';
import type { Authenticator } from '../authn.js';
import { authenticated } from '../user.js';

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());

export function x509Authenticator(): Authenticator {
  return {
    kind: 'x509',
    async authenticate({ socket }) {
      if (!(socket instanceof TLSSocket)) return undefined;
      const cert = socket.getPeerCertificate();
      if (!cert || Object.keys(cert).length === 0) return undefined;
      if (!socket.authorized) return { error: `certificate refused: ${String(socket.authorizationError)}` };
      const [user] = asList(cert.subject?.CN as string | string[] | undefined);
      if (!user) return { error: 'certificate has no subject CN' };
      return { user: authenticated(user, asList(cert.subject?.O as string | string[] | undefined)) };
    },
  };
}
