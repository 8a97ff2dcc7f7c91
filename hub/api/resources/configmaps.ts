// v1 ConfigMap.

import type { ConfigMap } from '../../../shared/api/types.js';
import { bool, kindSchema, strMap } from '../schema.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { cause } from '../meta.js';
import { age, ageColumn, col, nameColumn } from '../table.js';
import { checkBase64, checkDataKeys, MAX_DATA_BYTES } from './data.js';

export const configmaps: ResourceDef<ConfigMap> = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  singular: 'configmap',
  shortNames: ['cm'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  schema: kindSchema({ data: strMap, binaryData: strMap, immutable: bool }),
  validate(cm, old) {
    const causes = [...checkDataKeys('data', cm.data), ...checkDataKeys('binaryData', cm.binaryData)];
    for (const k of Object.keys(cm.data ?? {}))
      if (cm.binaryData && k in cm.binaryData)
        causes.push(cause(`data[${k}]`, `Invalid value: "${k}": duplicate of key present in binaryData`));
    causes.push(...checkBase64('binaryData', cm.binaryData));
    let size = 0;
    for (const [k, v] of Object.entries({ ...cm.data, ...cm.binaryData })) size += k.length + v.length;
    if (size > MAX_DATA_BYTES)
      causes.push(cause('data', `Too long: must have at most ${MAX_DATA_BYTES} bytes`, 'FieldValueTooLong'));
    if (old?.immutable) {
      if (JSON.stringify([old.data, old.binaryData]) !== JSON.stringify([cm.data, cm.binaryData]))
        causes.push(
          cause('data', 'Forbidden: field is immutable when `immutable` is set', 'FieldValueForbidden'),
        );
      if (!cm.immutable)
        causes.push(
          cause('immutable', 'Forbidden: field is immutable when `immutable` is set', 'FieldValueForbidden'),
        );
    }
    return causes;
  },
  table: {
    columns: [nameColumn, col('Data', 'string', 'Number of data entries'), ageColumn],
    cells: (cm, now) => [
      cm.metadata.name,
      Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
      age(cm.metadata.creationTimestamp, now),
    ],
  },
};
