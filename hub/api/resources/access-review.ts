// What the access review kinds share (authorization.k8s.io/v1 SelfSubjectAccessReview,
// SubjectAccessReview, LocalSubjectAccessReview): the attributes a spec asks about, their
// schema, and the answer. Upstream validates "exactly one of nonResourceAttributes or
// resourceAttributes" for all three (ValidateSubjectAccessReviewSpec).

import type { ResourceAttributes } from '../../../shared/api/rbac.js';
import type { Attributes } from '../../auth/authz.js';
import type { UserInfo } from '../../auth/user.js';
import type { ApiCore } from '../core.js';
import { InvalidError } from '../errors.js';
import { cause } from '../meta.js';
import { obj, type Schema, str } from '../schema.js';

export const AUTHORIZATION_GROUP = 'authorization.k8s.io';

export interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: { path?: string; verb?: string };
}

export const accessReviewSpecFields: Record<string, Schema> = {
  resourceAttributes: obj({
    namespace: str,
    verb: str,
    group: str,
    version: str,
    resource: str,
    subresource: str,
    name: str,
  }),
  nonResourceAttributes: obj({ path: str, verb: str }),
};

/** The request the spec asks about, or 422 naming the kind. */
export function attributesOf(kind: string, spec: AccessReviewSpec | undefined): Attributes {
  const ra = spec?.resourceAttributes;
  const nra = spec?.nonResourceAttributes;
  if ((ra ? 1 : 0) + (nra ? 1 : 0) !== 1)
    throw new InvalidError(
      kind,
      '',
      [
        cause(
          'spec',
          'Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
        ),
      ],
      AUTHORIZATION_GROUP,
    );
  if (nra) return { kind: 'nonResource', verb: nra.verb ?? '', path: nra.path ?? '' };
  return {
    kind: 'resource',
    verb: ra?.verb ?? '',
    group: ra?.group ?? '',
    resource: ra?.resource ?? '',
    ...(ra?.subresource ? { subresource: ra.subresource } : {}),
    ...(ra?.namespace ? { namespace: ra.namespace } : {}),
    ...(ra?.name ? { name: ra.name } : {}),
  };
}

/** `status` of a review: whether user may do attrs, by the authorizer every request passes. */
export async function reviewStatus(
  core: ApiCore,
  user: UserInfo,
  attrs: Attributes,
): Promise<{ allowed: boolean; reason?: string }> {
  const allowed = await core.allowed(user, attrs);
  return { allowed, ...(allowed ? {} : { reason: '' }) };
}
