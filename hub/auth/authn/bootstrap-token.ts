// Bootstrap tokens as bearer tokens (kube-apiserver --enable-bootstrap-token-auth): a token
// `<id>.<secret>` whose Secret kube-system/bootstrap-token-<id> allows authentication and has not
// expired is user system:bootstrap:<id> in group system:bootstrappers. A deleted or expired
// token is refused at once: every request reads the Secret.

import type { ApiClient } from '../../api/client.js';
import { BOOTSTRAP_TOKEN_RE } from '../../../shared/protocol/constants.js';
import { type Authenticator, bearerToken } from '../authn.js';
import { verifyBootstrapToken } from '../tokens.js';
import { authenticated, BOOTSTRAP_USER_PREFIX, GROUP_BOOTSTRAPPERS } from '../user.js';

export function bootstrapTokenAuthenticator(client: ApiClient): Authenticator {
  return {
    kind: 'bootstrap-token',
    async authenticate({ headers }) {
      const token = bearerToken(headers);
      const m = token === undefined ? null : BOOTSTRAP_TOKEN_RE.exec(token);
      if (!token || !m) return undefined;
      if (!(await verifyBootstrapToken(client, token)))
        return { error: 'invalid, expired or deleted bootstrap token' };
      return { user: authenticated(`${BOOTSTRAP_USER_PREFIX}${m[1]}`, [GROUP_BOOTSTRAPPERS]) };
    },
  };
}
