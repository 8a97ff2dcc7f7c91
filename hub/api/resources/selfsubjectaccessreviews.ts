// authorization.k8s.io/v1 SelfSubjectAccessReview: "may I do this?", answered by the same
// authorizer every request passes (what `kubectl auth can-i` posts). Nothing is stored.

import type { SelfSubjectAccessReview } from '../../../shared/api/rbac.js';
import type { KubeObject } from '../../../shared/api/types.js';
import type { ResourceDef } from '../resource.js';
import { kindSchema, obj } from '../schema.js';
import { AUTHORIZATION_GROUP, accessReviewSpecFields, attributesOf, reviewStatus } from './access-review.js';

export const selfsubjectaccessreviews: ResourceDef<SelfSubjectAccessReview> = {
  group: AUTHORIZATION_GROUP,
  version: 'v1',
  resource: 'selfsubjectaccessreviews',
  kind: 'SelfSubjectAccessReview',
  singular: 'selfsubjectaccessreview',
  namespaced: false,
  verbs: ['create'],
  subresources: [],
  schema: kindSchema({ spec: obj(accessReviewSpecFields) }),
  async review(body: KubeObject, { core, user }) {
    const r = body as SelfSubjectAccessReview;
    return {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: r.spec,
      status: await reviewStatus(core, user, attributesOf('SelfSubjectAccessReview', r.spec)),
    } as SelfSubjectAccessReview;
  },
};
