// v1 Pod: status and binding subresources (binding is served by bindings.ts through the
// subresource handler table); `log` is registered later by the pods/log issue.

import type { Pod } from '../../../shared/api/types.js';
import { addDefaultTolerations } from '../admission/default-tolerations.js';
import { admitServiceAccountPullSecrets } from '../admission/service-account.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { podSchema } from './pod-schema.js';
import { validatePodStatus } from './pod-status-validation.js';
import { podTable } from './pod-table.js';
import { defaultPod, qosClass, validatePodSpec, validatePodUpdate } from './pod-validation.js';

export const pods: ResourceDef<Pod> = {
  group: '',
  version: 'v1',
  resource: 'pods',
  kind: 'Pod',
  singular: 'pod',
  shortNames: ['po'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status', 'binding', 'eviction', 'log', 'exec', 'portforward'],
  schema: podSchema,
  defaults: defaultPod,
  prepareCreate(pod) {
    // Clients cannot create a pod with status: it starts Pending, as upstream.
    pod.status = { phase: 'Pending', qosClass: qosClass(pod.spec) };
    addDefaultTolerations(pod);
  },
  admitCreate: admitServiceAccountPullSecrets,
  validate(pod, old) {
    const causes = [...validatePodSpec(pod.spec), ...validatePodStatus(pod.status, pod.spec, old?.status)];
    if (old && causes.length === 0) causes.push(...validatePodUpdate(pod, old));
    return causes;
  },
  gracePeriodSeconds(pod, requested) {
    // Unbound or finished pods have nothing running: remove at once. Bound pods wait for
    // the agent to stop the containers and confirm with gracePeriodSeconds=0.
    if (!pod.spec.nodeName) return 0;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    return requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  },
  table: podTable,
};
