// core/v1 ReplicationController: status and scale subresources, upstream's defaults (selector
// and labels from the template's labels, one replica) and validation (a non-empty selector
// matching the template's labels, restartPolicy Always). Kept by the ReplicaSet controller run
// for this kind (hub/controllers/replicaset.ts, REPLICATION_CONTROLLER_KIND).

import type { ReplicaSet } from '../../../shared/api/apps.js';
import { asReplicaSet, type ReplicationController } from '../../../shared/api/replication-controller.js';
import type { StatusCause } from '../../../shared/api/types.js';
import { required } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { int, kindSchema, obj, strMap } from '../schema.js';
import { podTemplateSpecSchema, replicaSetStatusSchema } from './apps-schema.js';
import { scaleHandlerFor, type ScalePaths } from './apps-scale.js';
import { replicaSetTable, selectorString } from './apps-table.js';
import {
  DEFAULT_REPLICAS,
  defaultTemplate,
  nonNegative,
  validateSelectorTemplate,
} from './apps-validation.js';

/** The ReplicaSet printer's view (kubectl prints both kinds with the same columns). */
const view = (rc: ReplicationController) => asReplicaSet(rc) as ReplicaSet;

const rcPaths: ScalePaths = {
  specReplicas: ['spec', 'replicas'],
  statusReplicas: ['status', 'replicas'],
  selector: (o) => {
    const sel = (o as ReplicationController).spec.selector;
    return sel && Object.keys(sel).length ? selectorString({ matchLabels: sel }) : undefined;
  },
};

function validate(rc: ReplicationController): StatusCause[] {
  const s = rc.spec;
  if (!s) return [required('spec')];
  if (!Object.keys(s.selector ?? {}).length) return [required('spec.selector')];
  return [
    ...nonNegative('spec.replicas', s.replicas),
    ...nonNegative('spec.minReadySeconds', s.minReadySeconds),
    ...validateSelectorTemplate({ matchLabels: s.selector }, s.template),
  ];
}

export const replicationcontrollers: ResourceDef<ReplicationController> = {
  group: '',
  version: 'v1',
  resource: 'replicationcontrollers',
  kind: 'ReplicationController',
  singular: 'replicationcontroller',
  shortNames: ['rc'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status', 'scale'],
  subresourceHandlers: { scale: scaleHandlerFor(rcPaths) },
  schema: kindSchema({
    spec: obj({ replicas: int, minReadySeconds: int, selector: strMap, template: podTemplateSpecSchema }),
    status: replicaSetStatusSchema,
  }),
  defaults(rc) {
    const s = rc.spec;
    if (!s) return;
    const labels = s.template?.metadata?.labels;
    if (labels && Object.keys(labels).length) {
      if (!Object.keys(s.selector ?? {}).length) s.selector = { ...labels };
      if (!Object.keys(rc.metadata.labels ?? {}).length) rc.metadata.labels = { ...labels };
    }
    if (s.replicas === undefined || s.replicas === null) s.replicas = DEFAULT_REPLICAS;
    defaultTemplate(s.template);
  },
  prepareCreate(rc) {
    rc.status = { replicas: 0 };
  },
  validate: (rc) => validate(rc),
  table: {
    columns: replicaSetTable.columns,
    cells: (rc, now) => replicaSetTable.cells(view(rc), now),
  },
};
