// apps/v1 DaemonSet: schema, defaults, validation, printing and the status subresource.
// Its controller lives with the DaemonSet controller's owner.

import type { DaemonSet } from '../../../shared/api/apps.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { daemonSetSchema } from './apps-schema.js';
import { daemonSetTable } from './apps-table.js';
import { defaultDaemonSet, validateDaemonSet } from './apps-validation.js';

export const daemonsets: ResourceDef<DaemonSet> = {
  group: 'apps',
  version: 'v1',
  resource: 'daemonsets',
  kind: 'DaemonSet',
  singular: 'daemonset',
  shortNames: ['ds'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status'],
  schema: daemonSetSchema,
  defaults: defaultDaemonSet,
  prepareCreate(ds) {
    ds.status = {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
    };
  },
  validate: (ds, old) => validateDaemonSet(ds, old),
  table: daemonSetTable,
};
