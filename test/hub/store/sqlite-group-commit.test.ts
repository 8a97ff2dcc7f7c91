// Group commit in the SQLite store: writes issued together share one transaction (one fsync),
// each resolves only once its commit is on disk (a second connection to the file sees it),
// a failing write (conflict, duplicate) fails alone, revisions and watch events keep the
// order the writes were issued in, the batch size cap holds, writes with the endOfTurn hint
// from separate callbacks of one event-loop turn share a commit (others: the turn's first
// commit runs before the next callback, later ones at the end of the turn), and a get waits for
// a queued write to its key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { KeyExistsError, RevisionConflictError } from '../../../hub/store/errors.js';
import type { KeyValue, StoreEvent } from '../../../hub/store/store.js';
import { freshStore } from './fixtures/helpers.js';

const N = 200;
const key = (i: number) => `/registry/pods/default/p${String(i).padStart(4, '0')}`;

test('concurrent writes: few commits, each durable when it resolves, failures alone, order kept', async () => {
  const { store, cleanup } = freshStore({ compactIntervalMs: 0 });
  const other = new Database(store.path, { readonly: true });
  try {
    await store.create(key(0), '"existing"');
    const before = store.commits;
    const events: StoreEvent[] = [];
    const w = await store.watch('/registry/', (ev) => events.push(ev));
    const seenByOther: boolean[] = [];
    const visible = (k: string) => other.prepare('SELECT 1 FROM current WHERE key = ?').get(k) !== undefined;
    const writes = Array.from({ length: N }, (_, j) => {
      const i = j + 1;
      // Every 50th write collides with an existing key: it alone fails.
      const k = i % 50 === 0 ? key(0) : key(i);
      return store.create(k, `"v${i}"`).then((kv) => {
        seenByOther[i] = visible(kv.key);
        return kv;
      });
    });
    // And an update whose expected revision is stale fails alone too.
    const stale = store.update(key(0), '"stale"', 999);
    const results = await Promise.allSettled([...writes, stale]);
    const failed = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    assert.is(failed.length, N / 50 + 1);
    assert.ok(failed.slice(0, -1).every((r) => r.reason instanceof KeyExistsError));
    assert.ok(failed.at(-1)?.reason instanceof RevisionConflictError);
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    assert.is(ok, N - N / 50);
    assert.ok(store.commits - before <= 2, `${store.commits - before} commits for ${N} writes`);
    assert.ok(
      seenByOther.filter((_, i) => i % 50 !== 0).every((x) => x),
      'each write is on disk when it resolves',
    );

    // Revisions follow issue order with no gaps from the failed writes.
    const revs = results
      .filter((r): r is PromiseFulfilledResult<KeyValue> => r.status === 'fulfilled')
      .map((r) => r.value.modRevision);
    assert.equal(
      revs,
      revs.map((_, i) => revs[0] + i),
    );
    assert.is(await store.revision(), revs.at(-1));
    await new Promise((r) => setImmediate(r));
    assert.equal(
      events.map((e) => e.revision),
      revs,
      'one watch event per committed write, in order',
    );
    w.close();
  } finally {
    other.close();
    await store.close();
    cleanup();
  }
});

test('the batch size cap splits a burst into several commits', async () => {
  const { store, cleanup } = freshStore({ compactIntervalMs: 0, groupCommitMaxWrites: 10 });
  try {
    const before = store.commits;
    await Promise.all(Array.from({ length: 35 }, (_, i) => store.create(key(i), '"x"')));
    assert.is(store.commits - before, 4);
    assert.is((await store.list('/registry/pods/')).items.length, 35);
  } finally {
    await store.close();
    cleanup();
  }
});

test('a write issued alone commits on its own (no waiting for company)', async () => {
  const { store, cleanup } = freshStore({ compactIntervalMs: 0 });
  try {
    const before = store.commits;
    await store.create(key(1), '"a"');
    await store.update(key(1), '"b"');
    assert.is(store.commits - before, 2);
    assert.is((await store.get(key(1)))?.value, '"b"');
  } finally {
    await store.close();
    cleanup();
  }
});

// Two timers due together fire in the same timers phase, each its own macrotask (a microtask
// checkpoint between them), as two requests' I/O callbacks in one poll phase.
function inTwoCallbacks<T>(first: () => T, second: () => T): Promise<T[]> {
  return new Promise((resolve) => {
    const out: T[] = [];
    setTimeout(() => out.push(first()), 0);
    setTimeout(() => {
      out.push(second());
      resolve(out);
    }, 0);
  });
}

test('writes with the endOfTurn hint from separate callbacks of one event-loop turn share a commit (as HTTP requests that arrive together)', async () => {
  const { store, cleanup } = freshStore({ compactIntervalMs: 0 });
  try {
    const before = store.commits;
    const turn = { endOfTurn: true };
    const issued = await inTwoCallbacks(
      () => store.create(key(1), '"a"', turn),
      () => store.create(key(2), '"b"', turn),
    );
    await Promise.all(issued);
    assert.is(store.commits - before, 1);
  } finally {
    await store.close();
    cleanup();
  }
});

test('a write without the hint is committed before the next callback runs (an in-process chain waits no turn)', async () => {
  const { store, cleanup } = freshStore({ compactIntervalMs: 0 });
  try {
    const before = store.commits;
    const [written, seen] = await inTwoCallbacks<Promise<unknown>>(
      () => store.create(key(1), '"a"'),
      () => Promise.resolve(store.commits - before),
    );
    await written;
    assert.is(await seen, 1, "the first callback's write was committed before the second ran");
  } finally {
    await store.close();
    cleanup();
  }
});

// N immediates queued together: N callbacks of one check phase, a microtask checkpoint after
// each (timers due together may straddle a millisecond, and so two turns, on a loaded machine).
function inCallbacks<T>(n: number, each: (i: number) => T): Promise<T[]> {
  return new Promise((resolve) => {
    const out: T[] = [];
    for (let i = 0; i < n; i++)
      setImmediate(() => {
        out.push(each(i));
        if (out.length === n) resolve(out);
      });
  });
}

test('writes without the hint from many callbacks of one turn take two commits, not one each (boards reporting together)', async () => {
  const { store, cleanup } = freshStore({ compactIntervalMs: 0 });
  try {
    const before = store.commits;
    await Promise.all(await inCallbacks(50, (i) => store.create(key(i), '"x"')));
    assert.is(
      store.commits - before,
      2,
      'the first callback at its microtask, the other 49 at the end of the turn',
    );
    assert.is((await store.list('/registry/pods/')).items.length, 50);
  } finally {
    await store.close();
    cleanup();
  }
});

test('a chain of writes, each awaiting the last, yields to the loop between commits (another callback runs before the chain ends)', async () => {
  const { store, cleanup } = freshStore({ compactIntervalMs: 0 });
  try {
    const chain = (async () => {
      for (let i = 0; i < 10; i++) await store.create(key(i), '"x"');
    })();
    let ranDuring = false;
    let done = false;
    void chain.then(() => {
      done = true;
    });
    setImmediate(() => {
      ranDuring = !done;
    });
    await chain;
    assert.ok(ranDuring, 'an immediate queued at the start ran before the tenth write');
    assert.is((await store.list('/registry/pods/')).items.length, 10);
  } finally {
    await store.close();
    cleanup();
  }
});

test('a get of a key with a queued write waits for its commit (a read-modify-write never starts from the replaced value)', async () => {
  const { store, cleanup } = freshStore({ compactIntervalMs: 0 });
  try {
    const first = await store.create(key(1), '"v1"');
    const queued = store.update(key(1), '"v2"', first.modRevision, { endOfTurn: true });
    const read = await store.get(key(1));
    const written = await queued;
    assert.is(read?.value, '"v2"');
    assert.is(read?.modRevision, written.modRevision);
    // A key without a queued write is read at once, before the other key's commit.
    const other = store.update(key(1), '"v3"', undefined, { endOfTurn: true });
    const free = store.get(key(2));
    assert.is(await Promise.race([free.then(() => 'read'), other.then(() => 'committed')]), 'read');
    await other;
  } finally {
    await store.close();
    cleanup();
  }
});

test.run();
