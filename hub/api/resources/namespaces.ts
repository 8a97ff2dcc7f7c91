// v1 Namespace. Names are DNS-1123 labels; the apiserver labels each with its own name.

import type { Namespace } from '../../../shared/api/types.js';
import { any, arr, kindSchema, obj, str, strArr } from '../schema.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { age, ageColumn, col, nameColumn } from '../table.js';

/** Created at start by ensureSystemNamespaces(); may not be deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export const namespaces: ResourceDef<Namespace> = {
  group: '',
  version: 'v1',
  resource: 'namespaces',
  kind: 'Namespace',
  singular: 'namespace',
  shortNames: ['ns'],
  namespaced: false,
  verbs: ALL_VERBS,
  subresources: ['status'],
  schema: kindSchema({
    spec: obj({ finalizers: strArr }),
    status: obj({ phase: str, conditions: arr(any) }),
  }),
  defaults(ns) {
    ns.metadata.labels = {
      ...(ns.metadata.labels ?? {}),
      'kubernetes.io/metadata.name': ns.metadata.name ?? '',
    };
  },
  prepareCreate(ns) {
    ns.status = { phase: 'Active' };
  },
  table: {
    columns: [nameColumn, col('Status', 'string', 'The status of the namespace'), ageColumn],
    cells: (ns, now) => [
      ns.metadata.name,
      ns.metadata.deletionTimestamp ? 'Terminating' : (ns.status?.phase ?? 'Active'),
      age(ns.metadata.creationTimestamp, now),
    ],
  },
};
