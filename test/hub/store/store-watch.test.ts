// The watch contract, run on every backend (SQLite and JetStream KV): event shapes with prev
// values, resume from any retained revision with no gap or duplicate, prefix isolation, order
// under re-entrant writes, ends on close.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StoreClosedError } from '../../../hub/store/errors.js';
import type { StoreEvent } from '../../../hub/store/store.js';
import { backends, stopTestNats } from './fixtures/backends.js';
import { brief, waitFor } from './fixtures/helpers.js';

for (const b of backends) {
  test(`[${b.name}] live events: put with and without prev, delete carries last value and prev`, async () => {
    const { store, cleanup } = await b.open();
    try {
      const got: StoreEvent[] = [];
      await store.watch('/w/', (ev) => got.push(ev));
      await store.create('/w/a', 'A1'); // 1
      await store.update('/w/a', 'A2', 1); // 2
      await store.delete('/w/a'); // 3
      // Delivered synchronously with the write: already here when the write resolves.
      assert.equal(got.map(brief), [
        'put /w/a=A1@1/c1',
        'put /w/a=A2@2/c1 prev=A1@1',
        'delete /w/a=A2@3/c1 prev=A2@2',
      ]);
      for (const ev of got) assert.is(ev.kv.modRevision, ev.revision);
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] watch without afterRevision (or 0) sees only new events`, async () => {
    const { store, cleanup } = await b.open();
    try {
      await store.create('/w/old', 'x');
      for (const opts of [undefined, { afterRevision: 0 }]) {
        const got: StoreEvent[] = [];
        const w = await store.watch('/w/', (ev) => got.push(ev), opts);
        const rev = (await store.create(`/w/new${got.length}${opts ? 'o' : 'u'}`, 'y')).modRevision;
        await waitFor(() => got.length > 0, 'the new event');
        assert.equal(
          got.map((e) => e.revision),
          [rev],
        );
        w.close();
      }
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] watch resume: replays exactly the missed events, then continues live with no gap or duplicate`, async () => {
    const { store, cleanup } = await b.open();
    try {
      await store.create('/w/a', 'A1'); // 1
      await store.create('/other/x', 'X'); // 2 (not under prefix)
      await store.update('/w/a', 'A2'); // 3
      await store.create('/w/b', 'B1'); // 4
      await store.delete('/w/a'); // 5

      const got: StoreEvent[] = [];
      const watching = store.watch('/w/', (ev) => got.push(ev), { afterRevision: 1 });
      // Writes issued in the same tick as watch(), before its replay has been delivered.
      const writes = [
        store.update('/w/b', 'B2'), // 6
        store.create('/other/y', 'Y'), // 7
        store.create('/w/c', 'C1'), // 8
      ];
      const w = await watching;
      await Promise.all(writes);
      await waitFor(() => got.length >= 5, 'replay + live events');
      assert.equal(got.map(brief), [
        'put /w/a=A2@3/c1 prev=A1@1',
        'put /w/b=B1@4/c4',
        'delete /w/a=A2@5/c1 prev=A2@3',
        'put /w/b=B2@6/c4 prev=B1@4',
        'put /w/c=C1@8/c8',
      ]);
      const revs = got.map((e) => e.revision);
      assert.equal(revs, [3, 4, 5, 6, 8]);
      w.close();
      await store.create('/w/d', 'D');
      assert.is(got.length, 5, 'no delivery after close');
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] resume from every revision sees exactly the suffix of the full history`, async () => {
    const { store, cleanup } = await b.open();
    try {
      const all: StoreEvent[] = [];
      await store.watch('/h/', (ev) => all.push(ev));
      for (let i = 0; i < 10; i++) await store.create(`/h/${i}`, `v${i}`);
      for (let i = 0; i < 10; i += 3) await store.update(`/h/${i}`, `u${i}`);
      for (let i = 1; i < 10; i += 4) await store.delete(`/h/${i}`);
      const head = await store.revision();
      assert.is(all.length, head);
      for (let from = 1; from <= head; from++) {
        const got: StoreEvent[] = [];
        const w = await store.watch('/h/', (ev) => got.push(ev), { afterRevision: from });
        await waitFor(() => got.length >= head - from, `replay from ${from}`);
        assert.equal(got.map(brief), all.slice(from).map(brief), `from ${from}`);
        w.close();
      }
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] afterRevision in the future: delivers only events above it`, async () => {
    const { store, cleanup } = await b.open();
    try {
      await store.create('/f/a', '1'); // 1
      const got: StoreEvent[] = [];
      await store.watch('/f/', (ev) => got.push(ev), { afterRevision: 3 });
      await store.create('/f/b', '2'); // 2
      await store.create('/f/c', '3'); // 3
      await store.create('/f/d', '4'); // 4
      assert.equal(
        got.map((e) => e.revision),
        [4],
      );
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] prefix isolation, including many watchers on distinct prefixes`, async () => {
    const { store, cleanup } = await b.open();
    try {
      const n = 2000;
      const got = new Map<number, string[]>();
      for (let i = 0; i < n; i++) {
        got.set(i, []);
        await store.watch(`/registry/pods/ns${i}/`, (ev) => got.get(i)?.push(ev.kv.key));
      }
      const everything: string[] = [];
      await store.watch('/registry/pods/', (ev) => everything.push(ev.kv.key));
      const nsA: string[] = [];
      await store.watch('/registry/pods/ns1', (ev) => nsA.push(ev.kv.key)); // matches ns1, ns10.. too
      for (let i = 0; i < n; i += 7) await store.create(`/registry/pods/ns${i}/p`, 'x');
      await store.create('/registry/nodes/n1', 'x');
      for (let i = 0; i < n; i++) {
        assert.equal(got.get(i), i % 7 === 0 ? [`/registry/pods/ns${i}/p`] : [], `watcher ${i}`);
      }
      assert.is(everything.length, Math.ceil(n / 7));
      assert.ok(nsA.length > 1);
      assert.ok(nsA.every((k) => k.startsWith('/registry/pods/ns1')));
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] a callback that writes does not reorder events for other watchers`, async () => {
    const { store, cleanup } = await b.open();
    try {
      const first: number[] = [];
      const second: number[] = [];
      const writes: Promise<unknown>[] = [];
      await store.watch('/re/', (ev) => {
        first.push(ev.revision);
        if (ev.kv.key === '/re/trigger') writes.push(store.create('/re/reaction', 'r'));
      });
      await store.watch('/re/', (ev) => second.push(ev.revision));
      await store.create('/re/trigger', 't');
      await Promise.all(writes);
      assert.equal(first, [1, 2]);
      assert.equal(second, [1, 2]);
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] a callback that writes during replay keeps the order`, async () => {
    const { store, cleanup } = await b.open();
    try {
      await store.create('/elsewhere', '0'); // 1
      await store.create('/rp/a', '1'); // 2
      await store.create('/rp/b', '2'); // 3
      const got: number[] = [];
      const writes: Promise<unknown>[] = [];
      await store.watch(
        '/rp/',
        (ev) => {
          got.push(ev.revision);
          if (ev.revision === 2) writes.push(store.create('/rp/c', '3')); // 4
        },
        { afterRevision: 1 },
      );
      await waitFor(() => got.length >= 3, 'three events');
      await Promise.all(writes);
      assert.equal(got, [2, 3, 4]);
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] a throwing callback does not break the write or other watchers`, async () => {
    const { store, cleanup } = await b.open();
    try {
      const got: number[] = [];
      await store.watch('/t/', () => {
        throw new Error('consumer bug');
      });
      await store.watch('/t/', (ev) => got.push(ev.revision));
      const kv = await store.create('/t/a', 'x');
      assert.is(kv.modRevision, 1);
      assert.equal(got, [1]);
    } finally {
      await cleanup();
    }
  });

  test(`[${b.name}] close() ends every watcher with StoreClosedError; Watcher.close() does not call onEnd`, async () => {
    const { store, cleanup } = await b.open();
    const ends: (Error | undefined)[] = [];
    const closedByCaller = await store.watch('/e/', () => {}, { onEnd: (e) => ends.push(e) });
    closedByCaller.close();
    closedByCaller.close();
    await store.watch('/e/', () => {}, { onEnd: (e) => ends.push(e) });
    await store.watch('/other/', () => {}, { onEnd: (e) => ends.push(e) });
    assert.is(store.watcherCount(), 2);
    await cleanup();
    assert.is(ends.length, 2);
    for (const e of ends) assert.instance(e, StoreClosedError);
  });
}

test.after(stopTestNats);

test.run();
