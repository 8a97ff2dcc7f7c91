// The roles of the hub's MQTT side (the gateway and the embedded broker), which are not in
// system:masters. The gateway writes what boards report, for every board, as a kubelet writes
// for its own node (upstream's system:node role, minus what kubelets read: the gateway's reads
// come from the shared informers): Nodes and their status, the status and final deletion of
// pods, node Leases in kube-node-lease, events; in kube-system the bootstrap token and node
// credential Secrets a join spends and issues. It cannot change workloads, RBAC or other
// Secrets. What a board may make it write is limited before that by hub/gateway/node-restriction.ts.

import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../../shared/api/rbac.js';
import { NODE_LEASE_NAMESPACE } from '../../leases.js';
import { SYSTEM_NAMESPACE } from '../secret-data.js';
import { BROKER_USER, GATEWAY_USER } from '../user.js';
import { bootstrapMeta, EVENTS, READ, rule } from './policy.js';
import { RBAC_GROUP } from './rules.js';

const userSubject = (name: string) => ({ kind: 'User' as const, apiGroup: RBAC_GROUP, name });

const GATEWAY = GATEWAY_USER.name;
const BROKER = BROKER_USER.name;

export const GATEWAY_CLUSTER_ROLES: ClusterRole[] = [
  {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: bootstrapMeta(GATEWAY),
    rules: [
      rule([...READ, 'create', 'update', 'patch'], [''], ['nodes']),
      rule(['update', 'patch'], [''], ['nodes/status']),
      rule([...READ, 'delete'], [''], ['pods']),
      rule(['update', 'patch'], [''], ['pods/status']),
      EVENTS,
    ],
  },
  { apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole', metadata: bootstrapMeta(BROKER), rules: [EVENTS] },
];

export const GATEWAY_CLUSTER_ROLE_BINDINGS: ClusterRoleBinding[] = [GATEWAY, BROKER].map((name) => ({
  apiVersion: `${RBAC_GROUP}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: bootstrapMeta(name),
  roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
  subjects: [userSubject(name)],
}));

export const GATEWAY_ROLES: Role[] = [
  {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'Role',
    metadata: bootstrapMeta(GATEWAY, SYSTEM_NAMESPACE),
    rules: [rule([...READ, 'create', 'update'], [''], ['secrets'])],
  },
  {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'Role',
    metadata: bootstrapMeta(GATEWAY, NODE_LEASE_NAMESPACE),
    rules: [rule([...READ, 'create', 'update', 'patch'], ['coordination.k8s.io'], ['leases'])],
  },
];

export const GATEWAY_ROLE_BINDINGS: RoleBinding[] = [SYSTEM_NAMESPACE, NODE_LEASE_NAMESPACE].map((ns) => ({
  apiVersion: `${RBAC_GROUP}/v1`,
  kind: 'RoleBinding',
  metadata: bootstrapMeta(GATEWAY, ns),
  roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: GATEWAY },
  subjects: [userSubject(GATEWAY)],
}));
