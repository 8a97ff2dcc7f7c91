import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    await rejects(() => SqliteStore.open(p, { cacheSizeKiB: 0 }), InvalidStoreOptionError);
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

test('the page cache is bounded by cacheSizeKiB: reading 40 MB through a 1 MiB cache holds less than through 16 MiB', async () => {
  // 10,000 values of 4 KiB: the database is larger than either cache, so each fills its cache.
  const KEYS = 10_000;
  const { store, path, cleanup } = freshStore();
  try {
    const value = 'x'.repeat(4096);
    await Promise.all(Array.from({ length: KEYS }, (_, i) => store.create(`/cache/${i}`, value)));
    const reader = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'page-cache-reader.js');
    const read = (kib: number): { rss: number; bytes: number } =>
      JSON.parse(
        execFileSync(process.execPath, ['--expose-gc', reader, path, String(kib), '/cache/', String(KEYS)], {
          encoding: 'utf8',
        }),
      );
    const small = read(1024);
    const large = read(16 * 1024);
    assert.is(small.bytes, KEYS * 4096);
    assert.is(large.bytes, KEYS * 4096);
    // 15 MiB apart at most; half of it is a margin for what else differs between two processes.
    const diffMiB = (large.rss - small.rss) / 2 ** 20;
    assert.ok(diffMiB > 7, `RSS with a 16 MiB cache only ${diffMiB.toFixed(1)} MiB above a 1 MiB one`);
  } finally {
    await cleanup();
  }
});

test.run();
