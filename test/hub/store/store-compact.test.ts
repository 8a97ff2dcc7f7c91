// Compaction and snapshot/restore, run on every backend (SQLite and JetStream KV): a watch from
// before the compacted revision fails with CompactedError (the API's 410), one from it replays the
// exact suffix, live values and revisions survive, and a restored snapshot keeps every revision.

import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CompactedError, FutureRevisionError } from '../../../hub/store/errors.js';
import type { Store, StoreEvent } from '../../../hub/store/store.js';
import { backends, stopTestNats } from './fixtures/backends.js';
import { brief, rejects, waitFor } from './fixtures/helpers.js';

async function eventsAfter(s: Store, prefix: string, after: number, n: number): Promise<string[]> {
  const got: StoreEvent[] = [];
  const w = await s.watch(prefix, (ev) => got.push(ev), { afterRevision: after });
  await waitFor(() => got.length >= n, `${n} events after ${after}`);
  w.close();
  return got.map(brief);
}

for (const b of backends) {
  test(`[${b.name}] compaction: older watch -> CompactedError, from the compacted revision itself -> exact suffix`, async () => {
    const { store, cleanup } = await b.open();
    try {
      const all: StoreEvent[] = [];
      await store.watch('/c/', (ev) => all.push(ev));
      await store.create('/c/a', 'A1'); // 1
      await store.create('/c/b', 'B1'); // 2
      await store.update('/c/a', 'A2'); // 3
      await store.delete('/c/b'); // 4
      await store.create('/c/d', 'D1'); // 5
      await store.update('/c/a', 'A3'); // 6  prev A2@3 was written before the compaction point
      await store.delete('/c/d'); // 7    prev D1@5 too
      await store.create('/c/b', 'B2'); // 8

      await store.compact(5);
      assert.is(await store.compactedRevision(), 5);
      for (const from of [1, 4]) {
        const err = await rejects(
          () => store.watch('/c/', () => {}, { afterRevision: from }),
          CompactedError,
        );
        assert.is(err.requested, from);
        assert.is(err.compacted, 5);
      }
      for (const from of [5, 6, 7]) {
        // Same events, including prev values written at or below the compacted revision.
        assert.equal(
          await eventsAfter(store, '/c/', from, 8 - from),
          all.slice(from).map(brief),
          `from ${from}`,
        );
      }
      // Current state is untouched by compaction.
      assert.equal(
        (await store.list('/c/')).items.map((kv) => `${kv.key}=${kv.value}@${kv.modRevision}`),
        ['/c/a=A3@6', '/c/b=B2@8'],
      );
      assert.is(await store.revision(), 8);
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] compacting everything keeps live values; revision never goes back, even across reopen`, async () => {
    const { store, reopen, cleanup } = await b.open();
    try {
      await store.create('/z/a', 'A'); // 1
      await store.update('/z/a', 'A2'); // 2
      await store.create('/z/b', 'B'); // 3
      await store.delete('/z/b'); // 4: the last write is a delete
      await store.compact(4);
      await store.compact(2); // already compacted: no-op
      assert.is(await store.compactedRevision(), 4);
      await rejects(() => store.compact(5), FutureRevisionError);
      await store.close();

      const again = await reopen();
      assert.is(await again.revision(), 4);
      assert.is(await again.compactedRevision(), 4);
      assert.equal(await again.get('/z/a'), { key: '/z/a', value: 'A2', createRevision: 1, modRevision: 2 });
      assert.is((await again.create('/z/b', 'B2')).modRevision, 5);
      assert.equal(await eventsAfter(again, '/z/', 4, 1), ['put /z/b=B2@5/c5']);
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] a deleted key compacted away can be created again, from any revision`, async () => {
    const { store, cleanup } = await b.open();
    try {
      await store.create('/d/a', 'A'); // 1
      await store.delete('/d/a'); // 2
      await store.create('/d/other', 'O'); // 3
      await store.compact(3);
      const again = await store.create('/d/a', 'A2');
      assert.equal(again, { key: '/d/a', value: 'A2', createRevision: 4, modRevision: 4 });
      assert.equal(await store.get('/d/a'), again);
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] repeated compactions in steps equal one compaction`, async () => {
    const a = await b.open();
    const c = await b.open();
    try {
      for (const s of [a.store, c.store]) {
        for (let i = 0; i < 30; i++) {
          const key = `/s/${i % 4}`;
          if (await s.get(key)) {
            if (i % 5 === 0) await s.delete(key);
            else await s.update(key, String(i));
          } else await s.create(key, String(i));
        }
      }
      for (let r = 3; r <= 24; r += 3) await a.store.compact(r);
      await c.store.compact(24);
      assert.equal(await eventsAfter(a.store, '/s/', 24, 6), await eventsAfter(c.store, '/s/', 24, 6));
      assert.equal((await a.store.list('/s/')).items, (await c.store.list('/s/')).items);
    } finally {
      await a.cleanup();
      await c.cleanup();
    }
  });

  test(`[${b.name}] auto-compaction keeps the configured number of revisions`, async () => {
    const { store, cleanup } = await b.open({ compactKeepRevisions: 5, compactIntervalMs: 10 });
    try {
      for (let i = 0; i < 20; i++) await store.create(`/auto/${i}`, 'x');
      await waitFor(async () => (await store.compactedRevision()) === 15, 'auto-compaction to revision 15');
      await rejects(() => store.watch('/auto/', () => {}, { afterRevision: 14 }), CompactedError);
      assert.is((await store.list('/auto/')).items.length, 20);
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] snapshot + restore round-trip: same keys, values and revisions; writes go on from there`, async () => {
    const { store, dir, restoreInto, cleanup } = await b.open();
    try {
      for (let i = 0; i < 50; i++) await store.create(`/snap/${i}`, JSON.stringify({ i }));
      for (let i = 0; i < 50; i += 5) await store.update(`/snap/${i}`, 'changed');
      for (let i = 1; i < 50; i += 7) await store.delete(`/snap/${i}`);
      await store.compact(40);
      const snap = join(dir, 'snap');
      await store.snapshot(snap);
      await store.create('/snap/after', 'not in the snapshot');

      const restored = await restoreInto(snap);
      const orig = await store.list('');
      const back = await restored.list('');
      assert.equal(
        back.items,
        orig.items.filter((kv) => kv.key !== '/snap/after'),
      );
      assert.is(back.revision, orig.revision - 1);
      assert.ok((await restored.compactedRevision()) >= 40);
      // A deleted key stays deleted, and the next write takes the next revision.
      assert.is(await restored.get('/snap/1'), undefined);
      assert.is((await restored.create('/snap/1', 'new')).modRevision, back.revision + 1);
    } finally {
      await cleanup();
    }
  });
}

test.after(stopTestNats);

test.run();
