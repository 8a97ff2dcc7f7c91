// coordination.k8s.io/v1 Lease (node heartbeats in kube-node-lease, leader election).

import type { Lease } from '../../../shared/api/types.js';
import { int, kindSchema, obj, str } from '../schema.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { cause } from '../meta.js';
import { age, ageColumn, col, nameColumn } from '../table.js';

export const leases: ResourceDef<Lease> = {
  group: 'coordination.k8s.io',
  version: 'v1',
  resource: 'leases',
  kind: 'Lease',
  singular: 'lease',
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  schema: kindSchema({
    spec: obj({
      holderIdentity: str,
      leaseDurationSeconds: int,
      acquireTime: str,
      renewTime: str,
      leaseTransitions: int,
      strategy: str,
      preferredHolder: str,
    }),
  }),
  defaults(l) {
    if (!l.spec) l.spec = {};
  },
  validate(l) {
    const causes = [];
    if (l.spec.leaseDurationSeconds !== undefined && l.spec.leaseDurationSeconds <= 0)
      causes.push(cause('spec.leaseDurationSeconds', 'Invalid value: must be greater than 0'));
    if (l.spec.leaseTransitions !== undefined && l.spec.leaseTransitions < 0)
      causes.push(cause('spec.leaseTransitions', 'Invalid value: must be greater than or equal to 0'));
    return causes;
  },
  table: {
    columns: [nameColumn, col('Holder', 'string', 'The holder of the lease'), ageColumn],
    cells: (l, now) => [l.metadata.name, l.spec.holderIdentity ?? '', age(l.metadata.creationTimestamp, now)],
  },
};
