// ServiceAccount bearer tokens (JWTs from serviceaccount-tokens.ts). The ServiceAccount must still
// exist with the uid in the token: deleting it (or re-creating one with the same name) revokes
// every token it was given, as Kubernetes' bound tokens are.

import type { ApiClient } from '../../api/client.js';
import { isNotFound } from '../../api/errors.js';
import type { KubeObject } from '../../../shared/api/types.js';
import { type Authenticator, bearerToken } from '../authn.js';
import type { ServiceAccountTokens } from '../serviceaccount-tokens.js';
import { authenticated, GROUP_SERVICEACCOUNTS, SERVICEACCOUNT_USER_PREFIX } from '../user.js';

export function serviceAccountAuthenticator(client: ApiClient, tokens: ServiceAccountTokens): Authenticator {
  return {
    kind: 'serviceaccount-token',
    async authenticate({ headers }) {
      const token = bearerToken(headers);
      // A JWT has three dot-separated parts; other bearer tokens are another authenticator's.
      if (!token || token.split('.').length !== 3) return undefined;
      const c = tokens.verify(token);
      if ('error' in c) return c;
      const { namespace, serviceaccount } = c['kubernetes.io'];
      let sa: KubeObject;
      try {
        sa = await client.get<KubeObject>('serviceaccounts', namespace, serviceaccount.name);
      } catch (e) {
        if (isNotFound(e))
          return { error: `service account ${namespace}/${serviceaccount.name} was deleted` };
        throw e;
      }
      if (sa.metadata.uid !== serviceaccount.uid)
        return { error: `service account ${namespace}/${serviceaccount.name} was re-created` };
      return {
        user: authenticated(
          `${SERVICEACCOUNT_USER_PREFIX}${namespace}:${serviceaccount.name}`,
          [GROUP_SERVICEACCOUNTS, `${GROUP_SERVICEACCOUNTS}:${namespace}`],
          serviceaccount.uid,
        ),
      };
    },
  };
}
