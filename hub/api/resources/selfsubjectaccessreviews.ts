// authorization.k8s.io/v1 SelfSubjectAccessReview: "may I do this?", answered by the same
// authorizer every request passes (what `kubectl auth can-i` posts). Nothing is stored.

import type { SelfSubjectAccessReview } from '../../../shared/api/rbac.js';
import type { KubeObject } from '../../../shared/api/types.js';
import type { Attributes } from '../../auth/authz.js';
import { InvalidError } from '../errors.js';
import { cause } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { kindSchema, obj, str } from '../schema.js';

function attributesOf(r: SelfSubjectAccessReview): Attributes {
  const ra = r.spec?.resourceAttributes;
  const nra = r.spec?.nonResourceAttributes;
  if ((ra ? 1 : 0) + (nra ? 1 : 0) !== 1)
    throw new InvalidError(
      'SelfSubjectAccessReview',
      '',
      [
        cause(
          'spec',
          'Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
        ),
      ],
      'authorization.k8s.io',
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

export const selfsubjectaccessreviews: ResourceDef<SelfSubjectAccessReview> = {
  group: 'authorization.k8s.io',
  version: 'v1',
  resource: 'selfsubjectaccessreviews',
  kind: 'SelfSubjectAccessReview',
  singular: 'selfsubjectaccessreview',
  namespaced: false,
  verbs: ['create'],
  subresources: [],
  schema: kindSchema({
    spec: obj({
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
    }),
  }),
  async review(body: KubeObject, { core, user }) {
    const r = body as SelfSubjectAccessReview;
    const allowed = await core.allowed(user, attributesOf(r));
    return {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: r.spec,
      status: { allowed, ...(allowed ? {} : { reason: '' }) },
    } as SelfSubjectAccessReview;
  },
};
