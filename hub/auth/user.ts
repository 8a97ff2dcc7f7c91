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

/** The gateway: writes what boards report (node and pod status, leases, joins), nothing else. */
export const GATEWAY_USER = restrictedSystemUser('drover-gateway');

/** The embedded broker: writes only events (a client cut off for a limit). */
export const BROKER_USER = restrictedSystemUser('drover-broker');

/** The controller manager's own user: its shared informers list and watch with it. */
export const CONTROLLER_MANAGER_USER = restrictedSystemUser('kube-controller-manager');

/** Where the controllers' service accounts live (upstream: kube-system). */
export const CONTROLLER_NAMESPACE = 'kube-system';

/**
 * One controller's identity, as kube-controller-manager's --use-service-account-credentials
 * gives each controller: the service account `system:serviceaccount:kube-system:<name>`, limited
 * to its `system:controller:<name>` ClusterRole. No ServiceAccount object is made for it, so
 * no token can be minted for it: only the hub's own process acts as it.
 */
export const controllerUser = (name: string): UserInfo =>
  authenticated(`${SERVICEACCOUNT_USER_PREFIX}${CONTROLLER_NAMESPACE}:${name}`, [
    GROUP_SERVICEACCOUNTS,
    `${GROUP_SERVICEACCOUNTS}:${CONTROLLER_NAMESPACE}`,
  ]);

export const API_SERVER_USER = systemUser('apiserver');

/** The node name of a node identity (`system:node:<name>` in system:nodes), else undefined. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.name.startsWith(NODE_USER_PREFIX) || !user.groups.includes(GROUP_NODES)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length) || undefined;
}
