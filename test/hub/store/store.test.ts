// The Store contract, run on every backend (SQLite and JetStream KV): CRUD, typed failures
// that write nothing, one revision per write, list order and pagination, persistence.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  KeyExistsError,
  KeyNotFoundError,
  RevisionConflictError,
  StoreClosedError,
} from '../../../hub/store/errors.js';
import type { Store } from '../../../hub/store/store.js';
import { backends, stopTestNats } from './fixtures/backends.js';
import { rejects } from './fixtures/helpers.js';

for (const b of backends) {
  test(`[${b.name}] create, get, list, update, delete`, async () => {
    const { store, cleanup } = await b.open();
    try {
      assert.is(await store.revision(), 0);
      assert.is(await store.get('/registry/pods/default/a'), undefined);

      const a = await store.create('/registry/pods/default/a', '{"v":1}');
      assert.equal(a, {
        key: '/registry/pods/default/a',
        value: '{"v":1}',
        createRevision: 1,
        modRevision: 1,
      });
      assert.equal(await store.get('/registry/pods/default/a'), a);

      await store.create('/registry/pods/default/b', '{"v":2}');
      const l = await store.list('/registry/pods/');
      assert.equal(
        l.items.map((kv) => kv.key),
        ['/registry/pods/default/a', '/registry/pods/default/b'],
      );
      assert.is(l.revision, 2);

      const a2 = await store.update('/registry/pods/default/a', '{"v":3}', 1);
      assert.equal(a2, {
        key: '/registry/pods/default/a',
        value: '{"v":3}',
        createRevision: 1,
        modRevision: 3,
      });
      assert.equal(await store.get('/registry/pods/default/a'), a2);

      const unconditional = await store.update('/registry/pods/default/a', '{"v":4}');
      assert.is(unconditional.modRevision, 4);

      const del = await store.delete('/registry/pods/default/a', 4);
      assert.equal(del, {
        key: '/registry/pods/default/a',
        value: '{"v":4}',
        createRevision: 1,
        modRevision: 5,
      });
      assert.is(await store.get('/registry/pods/default/a'), undefined);
      assert.is((await store.list('/registry/pods/')).items.length, 1);

      // Re-creating a deleted key starts a new life: new createRevision.
      const again = await store.create('/registry/pods/default/a', '{"v":5}');
      assert.is(again.createRevision, 6);
      assert.is(again.modRevision, 6);
      assert.is(await store.revision(), 6);
    } finally {
      await cleanup();
    }
  });

  const failures: {
    name: string;
    run: (s: Store) => Promise<unknown>;
    error: typeof KeyExistsError | typeof KeyNotFoundError | typeof RevisionConflictError;
  }[] = [
    { name: 'create existing', run: (s) => s.create('/k/a', 'x'), error: KeyExistsError },
    { name: 'update missing', run: (s) => s.update('/k/missing', 'x'), error: KeyNotFoundError },
    { name: 'update missing with CAS', run: (s) => s.update('/k/missing', 'x', 1), error: KeyNotFoundError },
    { name: 'delete missing', run: (s) => s.delete('/k/missing'), error: KeyNotFoundError },
    { name: 'update stale revision', run: (s) => s.update('/k/a', 'x', 1), error: RevisionConflictError },
    { name: 'update future revision', run: (s) => s.update('/k/a', 'x', 99), error: RevisionConflictError },
    { name: 'delete stale revision', run: (s) => s.delete('/k/a', 1), error: RevisionConflictError },
  ];

  for (const f of failures) {
    test(`[${b.name}] ${f.name} -> ${f.error.name}, nothing written`, async () => {
      const { store, cleanup } = await b.open();
      try {
        await store.create('/k/a', 'v1'); // rev 1
        await store.update('/k/a', 'v2'); // rev 2
        const err = await rejects(() => f.run(store), f.error);
        if (err instanceof RevisionConflictError) {
          assert.is(err.key, '/k/a');
          assert.is(err.actual, 2);
        }
        assert.is(await store.revision(), 2, 'a failed write must not bump the revision');
        assert.equal(await store.get('/k/a'), {
          key: '/k/a',
          value: 'v2',
          createRevision: 1,
          modRevision: 2,
        });
        // The next successful write takes the next revision: no hole left by the failure.
        assert.is((await store.update('/k/a', 'v3', 2)).modRevision, 3);
      } finally {
        await cleanup();
      }
    });
  }

  test(`[${b.name}] revisions strictly increase by one per write and modRevision is the write revision`, async () => {
    const { store, cleanup } = await b.open();
    try {
      const seen: number[] = [];
      for (let i = 0; i < 20; i++) seen.push((await store.create(`/r/${i}`, String(i))).modRevision);
      for (let i = 0; i < 20; i += 2) seen.push((await store.update(`/r/${i}`, 'u')).modRevision);
      for (let i = 1; i < 20; i += 2) seen.push((await store.delete(`/r/${i}`)).modRevision);
      assert.equal(
        seen,
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      for (const kv of (await store.list('/r/')).items) {
        assert.is((await store.get(kv.key))?.modRevision, kv.modRevision);
      }
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] list: prefix isolation, key order, limit + startAfter pagination, consistent revision`, async () => {
    const { store, cleanup } = await b.open();
    try {
      const keys = ['/a/3', '/a/1', '/ab/1', '/a/2', '/a', '/b/1', '/a/10'];
      for (const k of keys) await store.create(k, k);
      const cases: { prefix: string; opts?: { limit?: number; startAfter?: string }; want: string[] }[] = [
        { prefix: '/a/', want: ['/a/1', '/a/10', '/a/2', '/a/3'] },
        { prefix: '/a', want: ['/a', '/a/1', '/a/10', '/a/2', '/a/3', '/ab/1'] },
        { prefix: '/ab/', want: ['/ab/1'] },
        { prefix: '/c/', want: [] },
        { prefix: '', want: [...keys].sort() },
        { prefix: '/a/', opts: { limit: 2 }, want: ['/a/1', '/a/10'] },
        { prefix: '/a/', opts: { limit: 2, startAfter: '/a/10' }, want: ['/a/2', '/a/3'] },
        { prefix: '/a/', opts: { startAfter: '/a/3' }, want: [] },
        { prefix: '/a/', opts: { startAfter: '/' }, want: ['/a/1', '/a/10', '/a/2', '/a/3'] },
        { prefix: '', opts: { limit: 3, startAfter: '/a/3' }, want: ['/ab/1', '/b/1'] },
      ];
      for (const c of cases) {
        const r = await store.list(c.prefix, c.opts);
        assert.equal(
          r.items.map((kv) => kv.key),
          c.want,
          `list(${JSON.stringify(c.prefix)}, ${JSON.stringify(c.opts)})`,
        );
        assert.is(r.revision, keys.length);
        for (const kv of r.items) assert.is(kv.value, kv.key);
      }

      // Paginating with limit 1 walks every key exactly once.
      const walked: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.list('/a/', { limit: 1, startAfter: after });
        if (page.items.length === 0) break;
        walked.push(page.items[0].key);
        after = page.items[0].key;
      }
      assert.equal(walked, ['/a/1', '/a/10', '/a/2', '/a/3']);
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] list revision equals the store revision at the moment of the read, under interleaved writes`, async () => {
    const { store, cleanup } = await b.open();
    try {
      const writes: Promise<unknown>[] = [];
      const lists: Promise<{ n: number; revision: number }>[] = [];
      for (let i = 0; i < 50; i++) {
        writes.push(store.create(`/x/${i}`, 'v'));
        lists.push(store.list('/x/').then((r) => ({ n: r.items.length, revision: r.revision })));
      }
      await Promise.all(writes);
      // Only creates under /x/: a consistent list has exactly `revision` items.
      for (const l of await Promise.all(lists)) assert.is(l.n, l.revision);
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] data and revision persist across close and reopen`, async () => {
    const { store: s1, reopen, cleanup } = await b.open();
    try {
      await s1.create('/p/a', 'A');
      await s1.create('/p/b', 'B');
      await s1.delete('/p/b');
      await s1.close();

      const s2 = await reopen();
      assert.is(await s2.revision(), 3);
      assert.equal(await s2.get('/p/a'), { key: '/p/a', value: 'A', createRevision: 1, modRevision: 1 });
      assert.is(await s2.get('/p/b'), undefined);
      assert.is((await s2.create('/p/c', 'C')).modRevision, 4);
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] operations on a closed store reject with StoreClosedError; close is idempotent`, async () => {
    const { store, cleanup } = await b.open();
    await store.create('/c/a', 'x');
    await store.close();
    await store.close();
    const ops: (() => Promise<unknown>)[] = [
      () => store.get('/c/a'),
      () => store.list('/c/'),
      () => store.create('/c/b', 'x'),
      () => store.update('/c/a', 'y'),
      () => store.delete('/c/a'),
      () => store.revision(),
      () => store.watch('/c/', () => {}),
      () => store.compact(1),
      () => store.snapshot('/nonexistent/x'),
    ];
    for (const op of ops) await rejects(op, StoreClosedError);
    await cleanup();
  });
}

test.after(stopTestNats);

test.run();
