// Request authorization, as kube-apiserver's union authorizer: the authorizers are asked in
// order; the first "allow" wins, "deny" ends the search, "no opinion" asks the next. Nothing
// allowed -> 403 Forbidden with Kubernetes' message, e.g.
//   pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"
// ApiCore.authorize calls this for every request (hub/api/core.ts): HTTP and in-process alike.

import { ForbiddenError } from '../api/errors.js';
import type { UserInfo } from './user.js';

/** What a request does (k8s.io/apiserver authorizer.Attributes). */
export type Attributes =
  | {
      kind: 'resource';
      verb: string;
      group: string;
      resource: string;
      subresource?: string;
      namespace?: string;
      name?: string;
      /** list/watch field selector as sent (the node authorizer allows only its own spec.nodeName). */
      fieldSelector?: string;
    }
  | { kind: 'nonResource'; verb: string; path: string };

export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface Authorizer {
  readonly name: string;
  authorize(user: UserInfo, attrs: Attributes): Promise<Decision> | Decision;
}

export type Authorize = (user: UserInfo, attrs: Attributes) => Promise<void>;

/** Kubernetes' forbidden message for attrs (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters). */
export function forbiddenMessage(user: UserInfo, a: Attributes): string {
  if (a.kind === 'nonResource') return `forbidden: User "${user.name}" cannot ${a.verb} path "${a.path}"`;
  const gr = a.group ? `${a.resource}.${a.group}` : a.resource;
  const what = a.name ? `${gr} "${a.name}"` : gr;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `${what} is forbidden: User "${user.name}" cannot ${a.verb} resource "${res}" in API group "${a.group}" ${scope}`;
}

export function unionAuthorizer(authorizers: Authorizer[]): Authorize {
  return async (user, attrs) => {
    for (const a of authorizers) {
      const d = await a.authorize(user, attrs);
      if (d === 'allow') return;
      if (d === 'deny') break;
    }
    throw new ForbiddenError(
      forbiddenMessage(user, attrs),
      attrs.kind === 'resource' ? { group: attrs.group, kind: attrs.resource, name: attrs.name } : {},
    );
  };
}

/** Allows every request whose user is in a privileged group (system:masters), as kube-apiserver's first authorizer. */
export function privilegedGroupAuthorizer(groups: string[]): Authorizer {
  return {
    name: 'privileged-groups',
    authorize: (user) => (user.groups.some((g) => groups.includes(g)) ? 'allow' : 'noOpinion'),
  };
}
