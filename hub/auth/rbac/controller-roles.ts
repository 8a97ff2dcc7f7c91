// The controllers' bootstrap roles, as upstream's controller policy
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/controller_policy.go): each controller acts as
// its own service account in kube-system and holds a ClusterRole `system:controller:<name>`
// with what it reads and writes, plus events. Drover's own controllers (rollout, node pressure
// taints, node credentials, event TTL) follow the same shape. The controller manager's user
// lists and watches everything for the shared informers, as upstream's
// system:kube-controller-manager role does; it writes nothing but events.
// A verb missing here shows as a 403 naming the controller in the audit log and the hub's log
// (test/hub/controllers/controller-identities.test.ts drives every controller and checks none).

import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
} from '../../../shared/api/rbac.js';
import { CONTROLLER_MANAGER_USER, CONTROLLER_NAMESPACE } from '../user.js';
import { bootstrapMeta, EVENTS, READ, rule } from './policy.js';
import { RBAC_GROUP } from './rules.js';
/** Each in-process controller's service account name (kube-system), as upstream names them. */
export const CONTROLLERS = {
  deployment: 'deployment-controller',
  replicaSet: 'replicaset-controller',
  replication: 'replication-controller',
  volumeBinder: 'persistent-volume-binder',
  statefulSet: 'statefulset-controller',
  daemonSet: 'daemon-set-controller',
  job: 'job-controller',
  cronJob: 'cronjob-controller',
  disruption: 'disruption-controller',
  endpointSlice: 'endpointslice-controller',
  endpoints: 'endpoint-controller',
  garbageCollector: 'generic-garbage-collector',
  podGc: 'pod-garbage-collector',
  node: 'node-controller',
  taintEviction: 'taint-eviction-controller',
  pressureTaint: 'pressure-taint-controller',
  rollout: 'rollout-controller',
  nodeCredential: 'node-credential-controller',
  eventTtl: 'event-ttl-controller',
  serviceAccount: 'service-account-controller',
  hpa: 'horizontal-pod-autoscaler',
} as const;

export type ControllerName = (typeof CONTROLLERS)[keyof typeof CONTROLLERS];

/** Each controller's cluster-wide rules (events are added to every one). */
const CONTROLLER_RULES: Record<ControllerName, PolicyRule[]> = {
  'deployment-controller': [
    rule([...READ, 'update', 'patch'], ['apps'], ['deployments']),
    rule(['update'], ['apps'], ['deployments/status', 'deployments/finalizers']),
    rule([...READ, 'create', 'update', 'patch', 'delete'], ['apps'], ['replicasets']),
    rule([...READ, 'update', 'patch'], [''], ['pods']),
    // A Deployment a Rollout targets is sized by the rollout (deployment/controller.ts).
    rule(READ, ['drover.io'], ['rollouts']),
  ],
  'replicaset-controller': [
    rule([...READ, 'update'], ['apps'], ['replicasets']),
    // Pull before stop: whether a Rollout sizes the Deployment's ReplicaSets (successor-images.ts).
    rule(READ, ['apps'], ['deployments']),
    rule(['update'], ['apps'], ['replicasets/status', 'replicasets/finalizers']),
    rule([...READ, 'create', 'update', 'patch', 'delete'], [''], ['pods']),
  ],
  'replication-controller': [
    rule([...READ, 'update'], [''], ['replicationcontrollers']),
    rule(['update'], [''], ['replicationcontrollers/status', 'replicationcontrollers/finalizers']),
    rule([...READ, 'create', 'update', 'patch', 'delete'], [''], ['pods']),
  ],
  'persistent-volume-binder': [
    rule([...READ, 'update', 'delete'], [''], ['persistentvolumes']),
    rule(['update'], [''], ['persistentvolumes/status']),
    rule([...READ, 'update'], [''], ['persistentvolumeclaims']),
    rule(['update'], [''], ['persistentvolumeclaims/status']),
  ],
  'statefulset-controller': [
    rule(READ, ['apps'], ['statefulsets']),
    rule(['update'], ['apps'], ['statefulsets/status', 'statefulsets/finalizers']),
    rule([...READ, 'create', 'update', 'patch', 'delete'], [''], ['pods']),
    rule(['get', 'create'], [''], ['persistentvolumeclaims']),
    rule([...READ, 'create', 'update', 'patch', 'delete'], ['apps'], ['controllerrevisions']),
  ],
  'daemon-set-controller': [
    rule(READ, ['apps'], ['daemonsets']),
    rule(['update'], ['apps'], ['daemonsets/status', 'daemonsets/finalizers']),
    rule(READ, [''], ['nodes']),
    rule([...READ, 'create', 'delete', 'patch'], [''], ['pods']),
    rule(['create'], [''], ['pods/binding']),
    rule([...READ, 'create', 'update', 'patch', 'delete'], ['apps'], ['controllerrevisions']),
  ],
  // Delete: ttlSecondsAfterFinished (upstream's ttl-after-finished-controller) lives here.
  'job-controller': [
    rule([...READ, 'update', 'patch', 'delete'], ['batch'], ['jobs']),
    rule(['update', 'patch'], ['batch'], ['jobs/status', 'jobs/finalizers']),
    rule([...READ, 'create', 'update', 'patch', 'delete'], [''], ['pods']),
  ],
  'cronjob-controller': [
    rule([...READ, 'update', 'patch'], ['batch'], ['cronjobs']),
    rule(['update', 'patch'], ['batch'], ['cronjobs/status', 'cronjobs/finalizers']),
    rule([...READ, 'create', 'update', 'patch', 'delete'], ['batch'], ['jobs']),
    rule(['get', 'list', 'delete'], [''], ['pods']),
  ],
  'disruption-controller': [
    rule(READ, ['apps'], ['deployments', 'replicasets', 'daemonsets', 'statefulsets']),
    rule(READ, ['policy'], ['poddisruptionbudgets']),
    rule(['update'], ['policy'], ['poddisruptionbudgets/status']),
    rule(READ, [''], ['pods']),
  ],
  'endpointslice-controller': [
    rule(READ, [''], ['services', 'pods', 'nodes']),
    rule(['update'], [''], ['services/finalizers']),
    rule([...READ, 'create', 'update', 'delete'], ['discovery.k8s.io'], ['endpointslices']),
  ],
  // Upstream's endpoint-controller reads pods; Drover's mirrors the slices.
  'endpoint-controller': [
    rule(READ, [''], ['services']),
    rule(READ, ['discovery.k8s.io'], ['endpointslices']),
    rule([...READ, 'create', 'update', 'delete'], [''], ['endpoints']),
  ],
  // It may delete anything owned by something deleted: upstream's role is the same `*`.
  'generic-garbage-collector': [rule([...READ, 'patch', 'update', 'delete'], ['*'], ['*'])],
  'pod-garbage-collector': [
    rule([...READ, 'delete'], [''], ['pods']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(READ, [''], ['nodes']),
  ],
  'node-controller': [
    rule([...READ, 'update', 'patch', 'delete'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status']),
    rule([...READ, 'delete'], [''], ['pods']),
    rule(['patch', 'update'], [''], ['pods/status']),
  ],
  'taint-eviction-controller': [
    rule([...READ, 'delete'], [''], ['pods']),
    rule(['patch', 'update'], [''], ['pods/status']),
    rule(READ, [''], ['nodes']),
  ],
  'pressure-taint-controller': [rule([...READ, 'update', 'patch'], [''], ['nodes'])],
  'rollout-controller': [
    rule([...READ, 'update', 'patch'], ['drover.io'], ['rollouts']),
    rule(['update', 'patch'], ['drover.io'], ['rollouts/status']),
    rule([...READ, 'update', 'patch'], ['apps'], ['daemonsets']),
    rule(READ, ['apps'], ['controllerrevisions']),
    // patch: a replaced pod is told its replacement's images first (pull before stop).
    rule([...READ, 'patch', 'delete'], [''], ['pods']),
    // A Deployment target: marked and reverted; its ReplicaSets created and sized wave by wave.
    rule([...READ, 'update', 'patch'], ['apps'], ['deployments']),
    rule([...READ, 'create', 'patch'], ['apps'], ['replicasets']),
    // The Agent target orders each board's version by its Node's annotations.
    rule([...READ, 'patch'], [''], ['nodes']),
  ],
  // Its Secrets are kube-system's only (the namespaced Role below); cluster-wide it reads nodes.
  'node-credential-controller': [rule(READ, [''], ['nodes'])],
  // It reads and patches its target's replicas (upstream: `*/scale` get and update).
  'horizontal-pod-autoscaler': [
    rule(READ, ['autoscaling'], ['horizontalpodautoscalers']),
    rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
    rule(['get', 'patch'], ['apps'], ['deployments', 'replicasets']),
    rule(['get', 'update'], ['*'], ['*/scale']),
    rule(READ, [''], ['pods']),
  ],
  // A `default` ServiceAccount in every namespace.
  'service-account-controller': [rule(['create'], [''], ['serviceaccounts'])],
  'event-ttl-controller': [rule([...READ, 'delete'], ['', 'events.k8s.io'], ['events'])],
};

const saSubject = (name: string) => ({
  kind: 'ServiceAccount' as const,
  name,
  namespace: CONTROLLER_NAMESPACE,
});

export const CONTROLLER_CLUSTER_ROLES: ClusterRole[] = [
  {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: bootstrapMeta('system:kube-controller-manager'),
    rules: [rule(['list', 'watch'], ['*'], ['*']), EVENTS],
  },
  ...Object.entries(CONTROLLER_RULES).map(
    ([name, rules]): ClusterRole => ({
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRole',
      metadata: bootstrapMeta(`system:controller:${name}`),
      rules: [...rules, EVENTS],
    }),
  ),
];

export const CONTROLLER_CLUSTER_ROLE_BINDINGS: ClusterRoleBinding[] = [
  {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: bootstrapMeta('system:kube-controller-manager'),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: 'system:kube-controller-manager' },
    subjects: [{ kind: 'User', apiGroup: RBAC_GROUP, name: CONTROLLER_MANAGER_USER.name }],
  },
  ...Object.keys(CONTROLLER_RULES).map(
    (name): ClusterRoleBinding => ({
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: bootstrapMeta(`system:controller:${name}`),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: `system:controller:${name}` },
      subjects: [saSubject(name)],
    }),
  ),
];

/** Namespaced roles (upstream's bootstrap-signer and token-cleaner are kube-system Roles too). */
const NODE_CREDENTIALS = `system:controller:${CONTROLLERS.nodeCredential}`;
export const CONTROLLER_ROLES: Role[] = [
  {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'Role',
    metadata: bootstrapMeta(NODE_CREDENTIALS, CONTROLLER_NAMESPACE),
    rules: [rule([...READ, 'create', 'update', 'delete'], [''], ['secrets'])],
  },
];

export const CONTROLLER_ROLE_BINDINGS: RoleBinding[] = [
  {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'RoleBinding',
    metadata: bootstrapMeta(NODE_CREDENTIALS, CONTROLLER_NAMESPACE),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: NODE_CREDENTIALS },
    subjects: [saSubject(CONTROLLERS.nodeCredential)],
  },
];
