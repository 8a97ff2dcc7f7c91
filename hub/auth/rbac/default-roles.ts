// The bootstrap policy kube-apiserver creates at start (plugin/pkg/auth/authorizer/rbac/bootstrappolicy):
// the user-facing roles cluster-admin, admin, edit, view, the discovery and self-review roles every
// authenticated user holds, and cluster-admin for system:masters. Created when missing and put
// back when changed, unless the operator set rbac.authorization.kubernetes.io/autoupdate=false.

import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
} from '../../../shared/api/rbac.js';
import type { ApiClient } from '../../api/client.js';
import { isAlreadyExists, isNotFound } from '../../api/errors.js';
import { GROUP_AUTHENTICATED, GROUP_MASTERS, SCHEDULER_USER } from '../user.js';
import {
  CONTROLLER_CLUSTER_ROLE_BINDINGS,
  CONTROLLER_CLUSTER_ROLES,
  CONTROLLER_ROLE_BINDINGS,
  CONTROLLER_ROLES,
} from './controller-roles.js';
import {
  GATEWAY_CLUSTER_ROLE_BINDINGS,
  GATEWAY_CLUSTER_ROLES,
  GATEWAY_ROLE_BINDINGS,
  GATEWAY_ROLES,
} from './gateway-roles.js';
import { AUTOUPDATE, bootstrapMeta, READ, rule } from './policy.js';
import { RBAC_GROUP } from './rules.js';

export { RBAC_GROUP };
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

/** Namespaced kinds a workload owner reads and writes (edit), secrets included. */
const EDIT_CORE = [
  'pods',
  'pods/attach',
  'pods/exec',
  'pods/portforward',
  'pods/proxy',
  'configmaps',
  'secrets',
  'serviceaccounts',
  'services',
  'persistentvolumeclaims',
];
const EDIT_APPS = [
  'deployments',
  'deployments/scale',
  'deployments/rollback',
  'replicasets',
  'replicasets/scale',
  'daemonsets',
  'statefulsets',
  'statefulsets/scale',
];
/** What view reads: workloads and their status and logs; never secrets (as upstream). */
const VIEW_CORE = [
  'pods',
  'pods/log',
  'pods/status',
  'configmaps',
  'events',
  'serviceaccounts',
  'services',
  'services/status',
  'endpoints',
  'persistentvolumeclaims',
  'namespaces',
  'namespaces/status',
  'limitranges',
  'resourcequotas',
];
const VIEW_APPS = [
  'deployments',
  'deployments/scale',
  'deployments/status',
  'replicasets',
  'replicasets/scale',
  'replicasets/status',
  'daemonsets',
  'daemonsets/status',
  'statefulsets',
];

const BATCH = ['jobs', 'jobs/status', 'cronjobs', 'cronjobs/status'];
/** drover.io kinds (Rollout): viewers read them, editors write them as they do workloads. */
const DROVER = ['rollouts', 'rollouts/status'];
const AUTOSCALING = ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'];

const VIEW: PolicyRule[] = [
  rule(READ, [''], VIEW_CORE),
  rule(READ, ['apps'], VIEW_APPS),
  rule(READ, ['batch'], BATCH),
  rule(READ, ['autoscaling'], AUTOSCALING),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(READ, ['drover.io'], DROVER),
  // system:aggregated-metrics-reader, aggregated into view/edit/admin upstream.
  rule(READ, ['metrics.k8s.io'], ['pods', 'nodes']),
];
const EDIT: PolicyRule[] = [
  ...VIEW,
  rule([...READ, ...WRITE], [''], EDIT_CORE),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule([...READ, ...WRITE], ['apps'], EDIT_APPS),
  rule([...READ, ...WRITE], ['batch'], ['jobs', 'cronjobs']),
  rule([...READ, ...WRITE], ['autoscaling'], ['horizontalpodautoscalers']),
  rule([...READ, ...WRITE], ['discovery.k8s.io'], ['endpointslices']),
  rule([...READ, ...WRITE], ['drover.io'], ['rollouts']),
  rule(READ, [''], ['secrets']),
];
const ADMIN: PolicyRule[] = [...EDIT, rule([...READ, ...WRITE], [RBAC_GROUP], ['roles', 'rolebindings'])];

function clusterRole(name: string, rules: PolicyRule[]): ClusterRole {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: bootstrapMeta(name),
    rules,
  };
}

function userBinding(name: string, role: string, user: string): ClusterRoleBinding {
  const b = groupBinding(name, role, user);
  b.subjects = [{ kind: 'User', apiGroup: RBAC_GROUP, name: user }];
  return b;
}

function groupBinding(name: string, role: string, group: string): ClusterRoleBinding {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: bootstrapMeta(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects: [{ kind: 'Group', apiGroup: RBAC_GROUP, name: group }],
  };
}

export const DEFAULT_CLUSTER_ROLES: ClusterRole[] = [
  clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), { verbs: ['*'], nonResourceURLs: ['*'] }]),
  clusterRole('admin', ADMIN),
  clusterRole('edit', EDIT),
  clusterRole('view', VIEW),
  clusterRole('system:discovery', [
    {
      verbs: ['get'],
      nonResourceURLs: [
        '/api',
        '/api/*',
        '/apis',
        '/apis/*',
        '/healthz',
        '/livez',
        '/readyz',
        '/version',
        '/version/',
        '/openapi',
        '/openapi/*',
      ],
    },
  ]),
  // What the scheduler reads and writes (bootstrap policy's system:kube-scheduler, cut to Drover's
  // scheduler: volumes read only, no leases; its informers are the controller manager's).
  clusterRole('system:kube-scheduler', [
    rule(READ, [''], ['pods', 'nodes', 'persistentvolumeclaims', 'persistentvolumes']),
    rule(['create'], [''], ['pods/binding', 'bindings']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events']),
  ]),
  ...CONTROLLER_CLUSTER_ROLES,
  ...GATEWAY_CLUSTER_ROLES,
  clusterRole('system:basic-user', [
    rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
    rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
  ]),
];

export const DEFAULT_CLUSTER_ROLE_BINDINGS: ClusterRoleBinding[] = [
  groupBinding('cluster-admin', 'cluster-admin', GROUP_MASTERS),
  userBinding('system:kube-scheduler', 'system:kube-scheduler', SCHEDULER_USER.name),
  groupBinding('system:discovery', 'system:discovery', GROUP_AUTHENTICATED),
  groupBinding('system:basic-user', 'system:basic-user', GROUP_AUTHENTICATED),
  ...CONTROLLER_CLUSTER_ROLE_BINDINGS,
  ...GATEWAY_CLUSTER_ROLE_BINDINGS,
];

/** Creates the bootstrap roles and bindings, and restores changed ones marked autoupdate. */
export async function ensureDefaultRbac(client: ApiClient): Promise<void> {
  const sets: [string, (Role | RoleBinding)[]][] = [
    ['clusterroles', DEFAULT_CLUSTER_ROLES],
    ['clusterrolebindings', DEFAULT_CLUSTER_ROLE_BINDINGS],
    ['roles', [...CONTROLLER_ROLES, ...GATEWAY_ROLES]],
    ['rolebindings', [...CONTROLLER_ROLE_BINDINGS, ...GATEWAY_ROLE_BINDINGS]],
  ];
  // All at once: the store commits writes of one turn together (one fsync for the lot).
  const ensure = async (resource: string, want: Role | RoleBinding) => {
    const name = want.metadata.name ?? '';
    const ns = want.metadata.namespace;
    try {
      const have = await client.get<ClusterRole & ClusterRoleBinding>(resource, ns, name);
      if (have.metadata.annotations?.[AUTOUPDATE] === 'false') return;
      const body = want as ClusterRole & ClusterRoleBinding;
      if (
        JSON.stringify([have.rules, have.roleRef, have.subjects]) ===
        JSON.stringify([body.rules, body.roleRef, body.subjects])
      )
        return;
      // roleRef is immutable: a binding gets its subjects back, a role its rules.
      const patch = resource.endsWith('roles') ? { rules: body.rules } : { subjects: body.subjects };
      await client.update(resource, ns, { ...have, ...patch });
    } catch (e) {
      if (!isNotFound(e)) throw e;
      try {
        await client.create(resource, ns, want);
      } catch (c) {
        if (!isAlreadyExists(c)) throw c;
      }
    }
  };
  await Promise.all(sets.flatMap(([resource, objs]) => objs.map((o) => ensure(resource, o))));
}
