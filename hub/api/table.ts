// meta.k8s.io/v1 Table (kubectl server-side printing) and the helpers resource printers share.

import type { KubeObject, ObjectMeta } from '../../shared/api/types.js';

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  /** 0 = always shown; >0 = shown with `-o wide`. */
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** How one kind prints: columns and a row per object (cells in column order). */
export interface TableDef<T extends KubeObject = KubeObject> {
  columns: TableColumn[];
  cells(obj: T, now: number): unknown[];
}

export function col(
  name: string,
  type: TableColumn['type'],
  description: string,
  priority = 0,
  format = '',
): TableColumn {
  return { name, type, format, description, priority };
}

export const nameColumn = col('Name', 'string', 'Name must be unique within a namespace.', 0, 'name');
export const ageColumn = col(
  'Age',
  'string',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

/** kubectl's duration.HumanDuration: `5s`, `3m20s`, `2d3h`, `400d`. */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (d < 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

/** `<unknown>` for a missing timestamp, else the age like kubectl. */
export function age(ts: string | undefined | null, now: number): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration((now - t) / 1000);
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  const meta: ObjectMeta = { ...obj.metadata };
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta };
}

export function toTable(
  def: TableDef,
  objs: KubeObject[],
  include: IncludeObject,
  meta: Table['metadata'],
  now = Date.now(),
): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: meta,
    columnDefinitions: def.columns,
    rows: objs.map((o) => {
      const row: TableRow = { cells: def.cells(o, now) };
      const ob = rowObject(o, include);
      if (ob !== undefined) row.object = ob;
      return row;
    }),
  };
}

/** Fallback printer for kinds without their own: NAME AGE. */
export const defaultTable: TableDef = {
  columns: [nameColumn, ageColumn],
  cells: (o, now) => [o.metadata.name, age(o.metadata.creationTimestamp, now)],
};
