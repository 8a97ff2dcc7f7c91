import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../../hub/store/sqlite.js';
import { InvalidStoreOptionError, NotAStoreError } from '../../../hub/store/errors.js';
import { freshStore, quietLog, rejects, tempDir } from './fixtures/helpers.js';

test('open refuses a file that is not a Drover store, and invalid options', async () => {
  const t = tempDir();
  try {
    const garbage = join(t.dir, 'garbage.db');
    writeFileSync(garbage, 'this is not sqlite at all, just some bytes that go on for a while....');
    await rejects(() => SqliteStore.open(garbage, { log: quietLog }), NotAStoreError);

    const Database = (await import('better-sqlite3')).default;
    const foreign = join(t.dir, 'foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE people (name TEXT)');
    db.close();
    await rejects(() => SqliteStore.open(foreign, { log: quietLog }), NotAStoreError);

    const p = join(t.dir, 'ok.db');
    await rejects(() => SqliteStore.open(p, { compactKeepRevisions: -1 }), InvalidStoreOptionError);
    await rejects(() => SqliteStore.open(p, { compactIntervalMs: 1.5 }), InvalidStoreOptionError);
  } finally {
    t.cleanup();
  }
});

test('open puts the database in WAL mode', async () => {
  const { path, cleanup } = freshStore();
  try {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path, { readonly: true });
    assert.is(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  } finally {
    await cleanup();
  }
});

test.run();
