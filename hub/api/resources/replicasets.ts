// apps/v1 ReplicaSet: status and scale subresources. Its controller is
// hub/controllers/replicaset.ts.

import type { ReplicaSet } from '../../../shared/api/apps.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { replicaSetSchema } from './apps-schema.js';
import { replicaSetTable } from './apps-table.js';
import { defaultReplicaSet, validateReplicaSet } from './apps-validation.js';

export const replicasets: ResourceDef<ReplicaSet> = {
  group: 'apps',
  version: 'v1',
  resource: 'replicasets',
  kind: 'ReplicaSet',
  singular: 'replicaset',
  shortNames: ['rs'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status', 'scale'],
  schema: replicaSetSchema,
  defaults: defaultReplicaSet,
  prepareCreate(rs) {
    rs.status = { replicas: 0 };
  },
  validate: (rs, old) => validateReplicaSet(rs, old),
  table: replicaSetTable,
};
