// additionalPrinterColumns -> the Table kubectl prints (upstream tableconvertor): NAME, then
// each column's JSONPath value; a `date` column shows the age, as metatable's
// ConvertToHumanReadableDateType; no columns at all -> NAME and AGE.

import type { CustomResourceColumnDefinition } from '../../../shared/api/crd.js';
import { age, ageColumn, col, defaultTable, nameColumn, type TableDef } from '../table.js';
import { evaluate, parseJsonPath } from './json-path.js';

function cell(c: CustomResourceColumnDefinition, values: unknown[], now: number): unknown {
  if (values.length === 0) return null;
  if (c.type === 'date') return typeof values[0] === 'string' ? age(values[0], now) : null;
  if (values.length === 1) {
    const v = values[0];
    if (c.type === 'string' && typeof v === 'object' && v !== null) return JSON.stringify(v);
    return v;
  }
  return values.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(' ');
}

export function printerTable(columns: CustomResourceColumnDefinition[] | undefined): TableDef {
  if (!columns?.length) return defaultTable;
  const paths = columns.map((c) => parseJsonPath(c.jsonPath));
  return {
    columns: [
      nameColumn,
      ...columns.map((c) =>
        c.name === 'Age' && c.type === 'date'
          ? { ...ageColumn, priority: c.priority ?? 0 }
          : col(c.name, c.type, c.description ?? '', c.priority ?? 0, c.format ?? ''),
      ),
    ],
    cells: (o, now) => [o.metadata.name, ...columns.map((c, i) => cell(c, evaluate(paths[i], o), now))],
  };
}
