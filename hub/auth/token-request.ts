// POST serviceaccounts/<name>/token (authentication.k8s.io/v1 TokenRequest): a signed token for
// an existing ServiceAccount, valid spec.expirationSeconds (default 1 h, 10 min to 1 year).

import type { SubresourceHandler } from '../api/core.js';
import { BadRequestError, InvalidError } from '../api/errors.js';
import { cause } from '../api/meta.js';
import { getObject } from '../api/ops/read.js';
import { isPlainObject } from '../api/patch/merge.js';
import {
  DEFAULT_AUDIENCE,
  DEFAULT_TOKEN_SECONDS,
  MAX_TOKEN_SECONDS,
  MIN_TOKEN_SECONDS,
  type ServiceAccountTokens,
} from './serviceaccount-tokens.js';

interface TokenRequestSpec {
  audiences?: unknown;
  expirationSeconds?: unknown;
}

export function tokenRequestHandler(tokens: ServiceAccountTokens): SubresourceHandler {
  return async (ctx) => {
    if (ctx.method !== 'POST') throw new BadRequestError('serviceaccounts/token takes POST (a TokenRequest)');
    const body = isPlainObject(ctx.body) ? (ctx.body as { spec?: TokenRequestSpec }) : {};
    const spec = isPlainObject(body.spec) ? (body.spec as TokenRequestSpec) : {};
    const seconds = spec.expirationSeconds ?? DEFAULT_TOKEN_SECONDS;
    if (
      !Number.isInteger(seconds) ||
      (seconds as number) < MIN_TOKEN_SECONDS ||
      (seconds as number) > MAX_TOKEN_SECONDS
    )
      throw new InvalidError('TokenRequest', ctx.name, [
        cause(
          'spec.expirationSeconds',
          `Invalid value: must be between ${MIN_TOKEN_SECONDS} and ${MAX_TOKEN_SECONDS} seconds`,
        ),
      ]);
    const audiences =
      Array.isArray(spec.audiences) && spec.audiences.length
        ? spec.audiences.map(String)
        : [DEFAULT_AUDIENCE];
    const sa = await getObject(ctx.core, ctx.def, ctx.namespace, ctx.name);
    const now = Date.now();
    const token = tokens.issue(
      { namespace: ctx.namespace ?? '', name: ctx.name, uid: sa.metadata.uid ?? '' },
      seconds as number,
      audiences,
      now,
    );
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: ctx.name, namespace: ctx.namespace, creationTimestamp: new Date(now).toISOString() },
      spec: { audiences, expirationSeconds: seconds },
      status: {
        token,
        expirationTimestamp: new Date(now + (seconds as number) * 1000)
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
      },
    };
  };
}
