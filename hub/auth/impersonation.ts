// User impersonation, as kube-apiserver's impersonation filter: after authentication, the
// headers Impersonate-User, Impersonate-Group (repeated), Impersonate-Uid and
// Impersonate-Extra-<key> replace who the request acts as, once the authenticated user may
// `impersonate` each of them (RBAC: users, groups, serviceaccounts in the core group; uids and
// userextras/<key> in authentication.k8s.io). kubectl's --as/--as-group/--as-uid send them.
// The audit log keeps both names: the authenticated user and the one impersonated.

import type { IncomingMessage } from 'node:http';
import { InternalError } from '../api/errors.js';
import type { Attributes, Authorize } from './authz.js';
import {
  GROUP_AUTHENTICATED,
  GROUP_SERVICEACCOUNTS,
  SERVICEACCOUNT_USER_PREFIX,
  type UserInfo,
} from './user.js';

export const IMPERSONATE_USER = 'impersonate-user';
export const IMPERSONATE_GROUP = 'impersonate-group';
export const IMPERSONATE_UID = 'impersonate-uid';
export const IMPERSONATE_EXTRA_PREFIX = 'impersonate-extra-';
const ANONYMOUS = 'system:anonymous';
const UNAUTHENTICATED = 'system:unauthenticated';
const AUTHENTICATION_GROUP = 'authentication.k8s.io';

/** Who a request acts as, and who authenticated when that is someone else. */
export interface RequestUser {
  user: UserInfo;
  /** The authenticated user, when the request impersonates `user`. */
  impersonator?: UserInfo;
}

interface Asked {
  user?: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
}

/** The impersonation headers of a request (raw headers: a repeated header is one entry each). */
function asked(req: Pick<IncomingMessage, 'rawHeaders'>): Asked | undefined {
  const a: Asked = { groups: [], extra: {} };
  let any = false;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    if (name === IMPERSONATE_USER) a.user = value;
    else if (name === IMPERSONATE_GROUP) a.groups.push(value);
    else if (name === IMPERSONATE_UID) a.uid = value;
    else if (name.startsWith(IMPERSONATE_EXTRA_PREFIX)) {
      // Keys are lower case and percent-encoded in the header name (upstream unescapes them).
      const key = safeDecode(name.slice(IMPERSONATE_EXTRA_PREFIX.length));
      a.extra[key] = [...(a.extra[key] ?? []), value];
    } else continue;
    any = true;
  }
  return any ? a : undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `system:serviceaccount:<ns>:<name>` split, else undefined. */
function serviceAccountOf(name: string): { namespace: string; name: string } | undefined {
  if (!name.startsWith(SERVICEACCOUNT_USER_PREFIX)) return undefined;
  const [ns, sa, ...rest] = name.slice(SERVICEACCOUNT_USER_PREFIX.length).split(':');
  return ns && sa && rest.length === 0 ? { namespace: ns, name: sa } : undefined;
}

const impersonate = (a: Omit<Extract<Attributes, { kind: 'resource' }>, 'kind' | 'verb'>): Attributes => ({
  kind: 'resource',
  verb: 'impersonate',
  ...a,
});

/**
 * The request's user after impersonation: `real` itself when no header asks for another, else
 * the asked user once real may impersonate every part of it (a 403 Status naming the first part
 * it may not, in kube-apiserver's words). Groups, uid or extras without a user: 500, as upstream's
 * "requested ... without impersonating a user".
 */
export async function impersonation(
  req: Pick<IncomingMessage, 'rawHeaders'>,
  real: UserInfo,
  authorize: Authorize,
): Promise<RequestUser> {
  const a = asked(req);
  if (!a) return { user: real };
  if (a.user === undefined)
    throw new InternalError(
      'requested impersonation of groups, uid or extra attributes without impersonating a user',
    );
  const checks: Attributes[] = [];
  const sa = serviceAccountOf(a.user);
  checks.push(
    sa
      ? impersonate({ group: '', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name })
      : impersonate({ group: '', resource: 'users', name: a.user }),
  );
  for (const g of a.groups) checks.push(impersonate({ group: '', resource: 'groups', name: g }));
  for (const [key, values] of Object.entries(a.extra))
    for (const v of values)
      checks.push(
        impersonate({ group: AUTHENTICATION_GROUP, resource: 'userextras', subresource: key, name: v }),
      );
  if (a.uid !== undefined)
    checks.push(impersonate({ group: AUTHENTICATION_GROUP, resource: 'uids', name: a.uid }));
  for (const c of checks) await authorize(real, c);

  // A service account's groups are known without asking; any other user has only those asked.
  const groups =
    sa && a.groups.length === 0
      ? [GROUP_SERVICEACCOUNTS, `${GROUP_SERVICEACCOUNTS}:${sa.namespace}`]
      : a.groups;
  const implied = a.user === ANONYMOUS ? UNAUTHENTICATED : GROUP_AUTHENTICATED;
  const user: UserInfo = {
    name: a.user,
    groups: groups.includes(implied) ? groups : [...groups, implied],
    ...(a.uid !== undefined ? { uid: a.uid } : {}),
    ...(Object.keys(a.extra).length ? { extra: a.extra } : {}),
  };
  return { user, impersonator: real };
}

/** The audit entry's who: the authenticated user, and the impersonated one when there is one. */
export function auditedUser(r: RequestUser | undefined): {
  user: string;
  groups: string[];
  impersonatedUser?: { username: string; groups: string[] };
} {
  if (!r) return { user: ANONYMOUS, groups: [UNAUTHENTICATED] };
  const real = r.impersonator ?? r.user;
  return {
    user: real.name,
    groups: real.groups,
    ...(r.impersonator ? { impersonatedUser: { username: r.user.name, groups: r.user.groups } } : {}),
  };
}
