// apps/v1 Deployment: status and scale subresources. Its controller is
// hub/controllers/deployment/.

import type { Deployment } from '../../../shared/api/apps.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { deploymentSchema } from './apps-schema.js';
import { deploymentTable } from './apps-table.js';
import { defaultDeployment, validateDeployment } from './apps-validation.js';

export const deployments: ResourceDef<Deployment> = {
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  kind: 'Deployment',
  singular: 'deployment',
  shortNames: ['deploy'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status', 'scale'],
  schema: deploymentSchema,
  defaults: defaultDeployment,
  prepareCreate(d) {
    // Status is the controller's: a created object starts with none, as upstream.
    d.status = {};
  },
  validate: (d, old) => validateDeployment(d, old),
  table: deploymentTable,
};
