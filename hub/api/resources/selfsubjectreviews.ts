// authentication.k8s.io/v1 SelfSubjectReview: "who does the hub take me for?" (what `kubectl
// auth whoami` posts). The answer is the request's user after authentication and
// impersonation, as kube-apiserver's. Every authenticated user may ask (system:basic-user).
// Nothing is stored.

import type { SelfSubjectReview } from '../../../shared/api/rbac.js';
import type { ResourceDef } from '../resource.js';
import { kindSchema, map, obj, str, strArr } from '../schema.js';

export const selfsubjectreviews: ResourceDef<SelfSubjectReview> = {
  group: 'authentication.k8s.io',
  version: 'v1',
  resource: 'selfsubjectreviews',
  kind: 'SelfSubjectReview',
  singular: 'selfsubjectreview',
  namespaced: false,
  verbs: ['create'],
  subresources: [],
  schema: kindSchema({
    status: obj({ userInfo: obj({ username: str, uid: str, groups: strArr, extra: map(strArr) }) }),
  }),
  async review(_body, { user }) {
    return {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: {},
      status: {
        userInfo: {
          username: user.name,
          ...(user.uid ? { uid: user.uid } : {}),
          groups: user.groups,
          ...(user.extra ? { extra: user.extra } : {}),
        },
      },
    } as SelfSubjectReview;
  },
};
