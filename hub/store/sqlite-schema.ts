// On-disk layout of the SQLite store, in the style of k3s kine: an append-only `log` of every
// write (its rowid is the global revision), a `current` index from live key to its latest log
// row, and `meta` for the format marker and the compacted revision.
// Deletes are tombstone rows with an empty value; the deleted value is read from prev_revision.

import type Database from 'better-sqlite3';

export const STORE_FORMAT = 'drover-store';
export const STORE_SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  name  TEXT PRIMARY KEY,
  value ANY NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log (
  revision        INTEGER PRIMARY KEY,
  key             TEXT    NOT NULL,
  value           TEXT    NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision   INTEGER NOT NULL, -- 0 = the key did not exist before this write
  deleted         INTEGER NOT NULL  -- 1 = tombstone
);
CREATE TABLE IF NOT EXISTS current (
  key      TEXT PRIMARY KEY,
  revision INTEGER NOT NULL -- log row holding the live value
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('format', '${STORE_FORMAT}');
INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', ${STORE_SCHEMA_VERSION});
INSERT OR IGNORE INTO meta (name, value) VALUES ('compacted', 0);
`;

/** Returns why db is not a Drover store of a schema this code reads, or undefined when it is. */
export function whyNotAStore(db: Database.Database, opts: { integrity: boolean }): string | undefined {
  const hasMeta = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get();
  if (!hasMeta) return 'no meta table';
  const rows = db.prepare('SELECT name, value FROM meta').all() as { name: string; value: unknown }[];
  const meta = new Map(rows.map((r) => [r.name, r.value]));
  if (meta.get('format') !== STORE_FORMAT) return `format is ${String(meta.get('format'))}`;
  if (meta.get('schema') !== STORE_SCHEMA_VERSION) return `unsupported schema ${String(meta.get('schema'))}`;
  for (const t of ['log', 'current']) {
    const ok = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(t);
    if (!ok) return `no ${t} table`;
  }
  if (!opts.integrity) return undefined;
  const check = db.pragma('quick_check', { simple: true });
  if (check !== 'ok') return `integrity check: ${String(check)}`;
  return undefined;
}
