import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SqliteStore } from '../../../hub/store/sqlite.js';
import { NotAStoreError } from '../../../hub/store/errors.js';
import { RestoreTargetExistsError } from '../../../hub/store/sqlite-errors.js';
import type { StoreEvent } from '../../../hub/store/store.js';
import { brief, freshStore, quietLog, rejects, tempDir, waitFor } from './fixtures/helpers.js';

async function logRowCount(path: string): Promise<number> {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM log').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

// Compaction semantics (410s, replay, reopen) are checked on every backend in
// store-compact.test.ts; here only what is SQLite's own: the rows really leave the file.
test('compaction deletes history rows and tombstones from the file; steps equal one compaction', async () => {
  const a = freshStore();
  const b = freshStore();
  try {
    for (const s of [a.store, b.store]) {
      for (let i = 0; i < 30; i++) {
        const key = `/s/${i % 4}`;
        if (await s.get(key)) {
          if (i % 5 === 0) await s.delete(key);
          else await s.update(key, String(i));
        } else await s.create(key, String(i));
      }
    }
    const before = await logRowCount(a.path);
    for (let r = 3; r <= 24; r += 3) await a.store.compact(r);
    await b.store.compact(24);
    assert.ok((await logRowCount(a.path)) < before, 'history rows were removed');
    assert.is(await logRowCount(a.path), await logRowCount(b.path));

    const live = (await a.store.list('/s/')).items.length;
    await a.store.compact(await a.store.revision());
    assert.is(await logRowCount(a.path), live, 'only the live rows remain: tombstones went too');
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});

async function logBytes(path: string): Promise<number> {
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT coalesce(sum(octet_length(value)), 0) AS n FROM log').get() as { n: number })
      .n;
  } finally {
    db.close();
  }
}

test('auto-compaction by size: churn of large values keeps the log under its byte budget', async () => {
  const budget = 1024 * 1024;
  const value = (i: number) => `${i}:${'v'.repeat(100 * 1024)}`;
  const { store, path, cleanup } = freshStore({ compactKeepBytes: budget, compactIntervalMs: 10 });
  try {
    await store.create('/churn/live', 'kept');
    for (let round = 0; round < 2; round++) {
      await store.create(`/churn/${round}`, value(0));
      for (let i = 1; i <= 30; i++) await store.update(`/churn/${round}`, value(i)); // ~3 MiB written
      const rev = await store.revision();
      await waitFor(
        async () => (await store.compactedRevision()) >= rev - 10,
        `compaction near revision ${rev}`,
      );
      const bytes = await logBytes(path);
      assert.ok(bytes <= budget + 2 * value(30).length, `${bytes} bytes of log values after round ${round}`);
    }
    assert.is((await store.get('/churn/live'))?.value, 'kept', 'live values survive compaction');
    assert.is((await store.get('/churn/1'))?.value, value(30));
  } finally {
    await cleanup();
  }
});

test('snapshot + restore round-trip: same data, revisions, compaction point and history', async () => {
  const { store, dir, cleanup } = freshStore();
  try {
    for (let i = 0; i < 50; i++) await store.create(`/snap/${i}`, JSON.stringify({ i }));
    for (let i = 0; i < 50; i += 5) await store.update(`/snap/${i}`, 'changed');
    for (let i = 1; i < 50; i += 7) await store.delete(`/snap/${i}`);
    await store.compact(40);
    const snap = join(dir, 'snap.db');
    await store.snapshot(snap);
    await store.create('/snap/after', 'not in the snapshot');

    const target = join(dir, 'restored.db');
    SqliteStore.restore(snap, target);
    const restored = SqliteStore.open(target, { log: quietLog, compactIntervalMs: 0 });
    try {
      const orig = await store.list('');
      const back = await restored.list('');
      assert.equal(
        back.items,
        orig.items.filter((kv) => kv.key !== '/snap/after'),
      );
      assert.is(back.revision, orig.revision - 1);
      assert.is(await restored.compactedRevision(), 40);
      const history = async (s: SqliteStore, upTo: number) => {
        const got: StoreEvent[] = [];
        await s.watch('/snap/', (ev) => got.push(ev), { afterRevision: 40 });
        await waitFor(() => got.length >= upTo - 40, 'history');
        return got.filter((e) => e.revision <= upTo).map(brief);
      };
      assert.equal(await history(restored, back.revision), await history(store, back.revision));
    } finally {
      await restored.close();
    }
  } finally {
    await cleanup();
  }
});

test('restore refuses an existing target and files that are not Drover stores', async () => {
  const { store, dir, cleanup } = freshStore();
  const t = tempDir();
  try {
    await store.create('/r/a', 'x');
    const snap = join(dir, 'snap.db');
    await store.snapshot(snap);

    const existing = join(t.dir, 'existing.db');
    writeFileSync(existing, 'keep me');
    await rejects(() => SqliteStore.restore(snap, existing), RestoreTargetExistsError);

    const garbage = join(t.dir, 'garbage');
    writeFileSync(garbage, 'x'.repeat(4096));
    const target = join(t.dir, 'target.db');
    await rejects(() => SqliteStore.restore(garbage, target), NotAStoreError);
    await rejects(() => SqliteStore.restore(join(t.dir, 'missing'), target), NotAStoreError);
    const Database = (await import('better-sqlite3')).default;
    const foreign = join(t.dir, 'foreign.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE t (x)');
    db.close();
    await rejects(() => SqliteStore.restore(foreign, target), NotAStoreError);
    // A live database (with its -wal) is not a snapshot: its latest writes may be in the WAL.
    await rejects(() => SqliteStore.restore(join(dir, 'store.db'), target), NotAStoreError);
    assert.not.ok(existsSync(target), 'failed restores leave no target behind');

    SqliteStore.restore(snap, target);
    assert.ok(existsSync(target));
  } finally {
    await cleanup();
    t.cleanup();
  }
});

test.run();
