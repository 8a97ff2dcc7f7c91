// v1 Secret. data values must be base64; stringData (write-only convenience) is merged into
// data on every write and never stored, as upstream.

import type { Secret } from '../../../shared/api/types.js';
import { bool, kindSchema, str, strMap } from '../schema.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { cause } from '../meta.js';
import { age, ageColumn, col, nameColumn } from '../table.js';
import { checkBase64, checkDataKeys, MAX_DATA_BYTES } from './data.js';
import { validateSecretType } from './secret-types.js';

function mergeStringData(s: Secret): void {
  if (s.stringData) {
    s.data = { ...(s.data ?? {}) };
    for (const [k, v] of Object.entries(s.stringData)) s.data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete s.stringData;
  }
}

export const secrets: ResourceDef<Secret> = {
  group: '',
  version: 'v1',
  resource: 'secrets',
  kind: 'Secret',
  singular: 'secret',
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: [],
  schema: kindSchema({ type: str, data: strMap, stringData: strMap, immutable: bool }),
  defaults(s) {
    if (!s.type) s.type = 'Opaque';
  },
  prepareCreate: mergeStringData,
  prepareUpdate: mergeStringData,
  validate(s, old) {
    const causes = [...checkDataKeys('data', s.data), ...checkBase64('data', s.data)];
    if (causes.length === 0) causes.push(...validateSecretType(s));
    let size = 0;
    for (const [k, v] of Object.entries(s.data ?? {})) size += k.length + (v.length * 3) / 4;
    if (size > MAX_DATA_BYTES)
      causes.push(cause('data', `Too long: must have at most ${MAX_DATA_BYTES} bytes`, 'FieldValueTooLong'));
    if (old && old.type !== s.type) causes.push(cause('type', 'Invalid value: field is immutable'));
    if (old?.immutable && JSON.stringify(old.data) !== JSON.stringify(s.data))
      causes.push(
        cause('data', 'Forbidden: field is immutable when `immutable` is set', 'FieldValueForbidden'),
      );
    return causes;
  },
  table: {
    columns: [
      nameColumn,
      col('Type', 'string', 'The type of the secret'),
      col('Data', 'string', 'Number of data entries'),
      ageColumn,
    ],
    cells: (s, now) => [
      s.metadata.name,
      s.type ?? 'Opaque',
      Object.keys(s.data ?? {}).length,
      age(s.metadata.creationTimestamp, now),
    ],
  },
};
