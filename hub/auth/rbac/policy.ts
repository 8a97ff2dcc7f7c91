// Builders for the bootstrap RBAC objects (upstream's rbacv1helpers): a rule, the verbs every
// reader holds, the events every component writes, and the metadata each bootstrap role and
// binding carries (kube-apiserver's `kubernetes.io/bootstrapping` label; autoupdate unless an
// operator sets it to "false").

import type { PolicyRule } from '../../../shared/api/rbac.js';

export const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';
export const READ = ['get', 'list', 'watch'];

export const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
});

/** What every component's event recorder needs. */
export const EVENTS = rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

export const bootstrapMeta = (name: string, namespace?: string) => ({
  name,
  ...(namespace ? { namespace } : {}),
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { [AUTOUPDATE]: 'true' },
});
