// kubectl-style text tables from a meta.k8s.io/v1 Table (server-side printing), or from a plain
// list when a server does not print tables.

import type { KubeObject } from '../shared/api/types.js';

export interface TableColumn {
  name: string;
  type?: string;
  priority?: number;
}

export interface TableRow {
  cells: unknown[];
  object?: { metadata?: { namespace?: string; name?: string } };
}

export interface ApiTable {
  kind: 'Table';
  columnDefinitions: TableColumn[];
  rows: TableRow[];
}

export function isApiTable(v: unknown): v is ApiTable {
  const t = v as Partial<ApiTable> | null;
  return !!t && t.kind === 'Table' && Array.isArray(t.columnDefinitions) && Array.isArray(t.rows);
}

export interface RenderOptions {
  wide?: boolean;
  /** Add a NAMESPACE column from each row's object metadata (kubectl -A). */
  withNamespace?: boolean;
}

function cell(v: unknown): string {
  if (v === null || v === undefined || v === '') return '<none>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Columns separated by three spaces, headers upper-case, as kubectl prints. */
export function formatColumns(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export function renderTable(t: ApiTable, opts: RenderOptions = {}): string {
  const keep = t.columnDefinitions.map((c, i) => [c, i] as const).filter(([c]) => opts.wide || !c.priority);
  const headers = keep.map(([c]) => c.name.toUpperCase());
  const rows = t.rows.map((r) => keep.map(([, i]) => cell(r.cells[i])));
  if (opts.withNamespace) {
    headers.unshift('NAMESPACE');
    t.rows.forEach((r, i) => {
      rows[i].unshift(cell(r.object?.metadata?.namespace));
    });
  }
  return formatColumns(headers, rows);
}

/** Fallback when the server sent a list: NAME and AGE. */
export function renderList(items: KubeObject[], opts: RenderOptions = {}, now = Date.now()): string {
  const headers = ['NAME', 'AGE'];
  const rows = items.map((o) => [o.metadata.name ?? '', age(o.metadata.creationTimestamp, now)]);
  if (opts.withNamespace) {
    headers.unshift('NAMESPACE');
    items.forEach((o, i) => {
      rows[i].unshift(o.metadata.namespace ?? '');
    });
  }
  return formatColumns(headers, rows);
}

/** kubectl's short ages: 45s, 3m, 2h, 5d. */
export function age(ts: string | undefined, now = Date.now()): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
