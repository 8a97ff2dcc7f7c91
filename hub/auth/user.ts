// Who a request acts as, in Kubernetes' terms (k8s.io/apiserver user.Info), and the well-known
// users and groups the authenticators and authorizers agree on.

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  /** Extra attributes (authenticators' or impersonated `Impersonate-Extra-*`), as user.Info's GetExtra. */
  extra?: Record<string, string[]>;
}

export const GROUP_MASTERS = 'system:masters';
export const GROUP_AUTHENTICATED = 'system:authenticated';
export const GROUP_NODES = 'system:nodes';
export const GROUP_BOOTSTRAPPERS = 'system:bootstrappers';
export const GROUP_SERVICEACCOUNTS = 'system:serviceaccounts';
export const NODE_USER_PREFIX = 'system:node:';
export const SERVICEACCOUNT_USER_PREFIX = 'system:serviceaccount:';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';

/** Every authenticated user is also in system:authenticated (kube-apiserver adds it the same way). */
export function authenticated(name: string, groups: string[], uid?: string): UserInfo {
  const all = groups.includes(GROUP_AUTHENTICATED) ? groups : [...groups, GROUP_AUTHENTICATED];
  return { name, groups: all, ...(uid ? { uid } : {}) };
}

/**
 * In-process components act as themselves (audit and RBAC see who wrote what). They are in
 * system:masters like kube-apiserver's own loopback client, so no role can lock the hub out.
 */
export const systemUser = (component: string): UserInfo =>
  authenticated(`system:${component}`, [GROUP_MASTERS]);

/**
 * A component limited to what its bootstrap ClusterRole grants (upstream's
 * system:kube-scheduler user and role): RBAC decides every request it makes.
 */
export const restrictedSystemUser = (component: string): UserInfo => authenticated(`system:${component}`, []);

export const SCHEDULER_USER = restrictedSystemUser('kube-scheduler');

export const API_SERVER_USER = systemUser('apiserver');

/** The node name of a node identity (`system:node:<name>` in system:nodes), else undefined. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.name.startsWith(NODE_USER_PREFIX) || !user.groups.includes(GROUP_NODES)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length) || undefined;
}
