// authorization.k8s.io/v1 SubjectAccessReview (cluster-wide) and LocalSubjectAccessReview (in
// one namespace): "may this user, in these groups, do this?", for admins and for components
// that check on behalf of others (upstream's webhook and proxy case). The user is exactly what
// the spec says: no group is added (system:authenticated neither), as upstream. Who may ask is
// RBAC's `create` on the kind (cluster-admin; `system:auth-delegator` upstream). Nothing stored.

import type { SubjectAccessReview } from '../../../shared/api/rbac.js';
import type { KubeObject } from '../../../shared/api/types.js';
import type { UserInfo } from '../../auth/user.js';
import { InvalidError } from '../errors.js';
import { cause } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { kindSchema, map, obj, str, strArr } from '../schema.js';
import { AUTHORIZATION_GROUP, accessReviewSpecFields, attributesOf, reviewStatus } from './access-review.js';

const schema = kindSchema({
  spec: obj({ ...accessReviewSpecFields, user: str, groups: strArr, uid: str, extra: map(strArr) }),
});

function subjectOf(kind: string, r: SubjectAccessReview): UserInfo {
  const s = r.spec ?? {};
  if (!s.user && !s.groups?.length)
    throw new InvalidError(
      kind,
      '',
      [cause('spec.user', 'Invalid value: "": at least one of user or group must be specified')],
      AUTHORIZATION_GROUP,
    );
  return {
    name: s.user ?? '',
    groups: s.groups ?? [],
    ...(s.uid ? { uid: s.uid } : {}),
    ...(s.extra ? { extra: s.extra } : {}),
  };
}

function answer(kind: string, r: SubjectAccessReview, status: SubjectAccessReview['status']) {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind,
    metadata: r.metadata?.namespace ? { namespace: r.metadata.namespace } : {},
    spec: r.spec,
    status,
  } as SubjectAccessReview;
}

export const subjectaccessreviews: ResourceDef<SubjectAccessReview> = {
  group: AUTHORIZATION_GROUP,
  version: 'v1',
  resource: 'subjectaccessreviews',
  kind: 'SubjectAccessReview',
  singular: 'subjectaccessreview',
  namespaced: false,
  verbs: ['create'],
  subresources: [],
  schema,
  async review(body: KubeObject, { core }) {
    const r = body as SubjectAccessReview;
    const kind = 'SubjectAccessReview';
    const user = subjectOf(kind, r);
    return answer(kind, r, await reviewStatus(core, user, attributesOf(kind, r.spec)));
  },
};

export const localsubjectaccessreviews: ResourceDef<SubjectAccessReview> = {
  group: AUTHORIZATION_GROUP,
  version: 'v1',
  resource: 'localsubjectaccessreviews',
  kind: 'LocalSubjectAccessReview',
  singular: 'localsubjectaccessreview',
  namespaced: true,
  verbs: ['create'],
  subresources: [],
  schema,
  async review(body: KubeObject, { core, namespace }) {
    const r = body as SubjectAccessReview;
    const kind = 'LocalSubjectAccessReview';
    r.metadata = { ...r.metadata, namespace };
    // ValidateLocalSubjectAccessReview: the review answers for its own namespace only.
    if (r.spec?.nonResourceAttributes)
      throw new InvalidError(
        kind,
        '',
        [cause('spec.nonResourceAttributes', 'Invalid value: disallowed on this kind of request')],
        AUTHORIZATION_GROUP,
      );
    if (r.spec?.resourceAttributes && r.spec.resourceAttributes.namespace !== namespace)
      throw new InvalidError(
        kind,
        '',
        [
          cause(
            'spec.resourceAttributes.namespace',
            `Invalid value: "${r.spec.resourceAttributes.namespace ?? ''}": must match metadata.namespace`,
          ),
        ],
        AUTHORIZATION_GROUP,
      );
    const user = subjectOf(kind, r);
    return answer(kind, r, await reviewStatus(core, user, attributesOf(kind, r.spec)));
  },
};
