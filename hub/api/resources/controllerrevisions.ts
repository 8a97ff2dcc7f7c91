// apps/v1 ControllerRevision: the DaemonSet controller's history (daemonset/history.ts), which
// `kubectl rollout history|undo ds/NAME` reads. Its data is immutable (upstream validation);
// only the revision number moves (a rollback renumbers the revision it returns to).

import type { ControllerRevision } from '../../../shared/api/apps.js';
import { cause } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { any, int, kindSchema } from '../schema.js';
import { age, ageColumn, col, nameColumn } from '../table.js';

export const controllerrevisions: ResourceDef<ControllerRevision> = {
  group: 'apps',
  version: 'v1',
  resource: 'controllerrevisions',
  kind: 'ControllerRevision',
  singular: 'controllerrevision',
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  schema: kindSchema({ data: any, revision: int }),
  validate(cr, old) {
    const causes = [];
    if (!Number.isInteger(cr.revision) || cr.revision < 0)
      causes.push(cause('revision', `Invalid value: ${cr.revision}: must be greater than or equal to 0`));
    if (old && JSON.stringify(old.data) !== JSON.stringify(cr.data))
      causes.push(cause('data', 'Invalid value: field is immutable', 'FieldValueForbidden'));
    return causes;
  },
  table: {
    columns: [
      nameColumn,
      col('Controller', 'string', 'The owning controller'),
      col('Revision', 'integer', 'Revision number'),
      ageColumn,
    ],
    cells: (cr, now) => {
      const ref = cr.metadata.ownerReferences?.find((r) => r.controller);
      return [
        cr.metadata.name,
        ref ? `${ref.kind.toLowerCase()}.${ref.apiVersion.split('/')[0]}/${ref.name}` : '<none>',
        cr.revision,
        age(cr.metadata.creationTimestamp, now),
      ];
    },
  },
};
