// The SQLite store's commit/sync path (hub/store/sqlite.ts header): commits do not fsync, the
// store syncs the -wal file off the thread (walSync, held here by the test), and until that
// sync completes a write is not acknowledged, not seen by get, list, revision() or a watch, and
// a conflict found against it is not answered; the next groups commit meanwhile (pipelining),
// except while a list waits for every commit to be durable. A failed sync fails every request
// after it. The real sync names the -wal file, before and after checkpoints.
import { fdatasyncSync, fstatSync, statSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KeyExistsError, StoreSyncError } from '../../../hub/store/errors.js';
import type { StoreEvent } from '../../../hub/store/store.js';
import { freshStore, rejects, waitFor } from './fixtures/helpers.js';

interface HeldCall {
  fd: number;
  release(): void;
  fail(e: Error): void;
}

/**
 * A walSync that holds every sync until the test releases (really syncing) or fails it;
 * after releaseAll (a test's cleanup) syncs pass at once.
 */
function heldSyncs() {
  const calls: HeldCall[] = [];
  let holding = true;
  const walSync = (fd: number) => {
    if (!holding) {
      fdatasyncSync(fd);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) =>
      calls.push({
        fd,
        release: () => {
          fdatasyncSync(fd);
          resolve();
        },
        fail: reject,
      }),
    );
  };
  const releaseAll = () => {
    holding = false;
    for (const c of calls) c.release();
  };
  return { calls, walSync, releaseAll };
}

/** Whether a promise has settled, read synchronously. */
function track<T>(p: Promise<T>): { settled: boolean; p: Promise<T> } {
  const t = { settled: false, p };
  p.then(
    () => {
      t.settled = true;
    },
    () => {
      t.settled = true;
    },
  );
  return t;
}

/** Lets n loop turns pass (every commit and microtask they bring runs). */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

test('a write is acknowledged, and visible to get, list, revision and watch, only after its sync', async () => {
  const held = heldSyncs();
  const { store, cleanup } = freshStore({ walSync: held.walSync });
  try {
    const seed = track(store.create('/k/a', '"a0"'));
    await waitFor(() => held.calls.length === 1, 'the first sync');
    await turns();
    assert.not.ok(seed.settled, 'the seed write waits for its sync');
    held.calls[0].release();
    const a = await seed.p;
    const rev0 = await store.revision();
    assert.is(rev0, a.modRevision);

    const events: StoreEvent[] = [];
    const w = await store.watch('/k/', (ev) => events.push(ev));

    // Commit 1: an update of /k/a. Its sync is held.
    const commitsBefore = store.commits;
    const upd = track(store.update('/k/a', '"a1"', a.modRevision));
    await waitFor(() => held.calls.length === 2, 'the sync of commit 1');
    assert.is(store.commits, commitsBefore + 1, 'committed to the file');
    const getA = track(store.get('/k/a'));
    // Commit 2, made while sync 1 is in flight (pipelining): a new key and a duplicate create
    // of it in the same group, whose conflict is found against a write not yet durable.
    const createB = track(store.create('/k/b', '"b"'));
    const dupB = track(store.create('/k/b', '"dup"'));
    await waitFor(() => held.calls.length === 3, 'the sync of commit 2');
    assert.is(store.commits, commitsBefore + 2, 'commit 2 did not wait for sync 1');
    const getB = track(store.get('/k/b'));
    const getNone = track(store.get('/k/none'));
    await turns();
    assert.not.ok(upd.settled, 'not acknowledged before its sync');
    assert.not.ok(getA.settled, 'a get of a key whose write awaits its sync waits');
    assert.not.ok(getB.settled, 'nor a get of a key created by an unsynced commit');
    assert.ok(getNone.settled, 'a get of another key is answered at once');
    assert.not.ok(createB.settled || dupB.settled, 'neither the write nor its conflict answered');
    assert.is(await store.revision(), rev0, 'revision() is the durable revision');
    assert.equal(events, [], 'no watch event before the sync');
    // A list under a prefix with an unsynced write waits; a commit issued meanwhile holds.
    const list = track(store.list('/k/'));
    const other = track(store.list('/x/'));
    assert.equal((await other.p).items, [], 'a list of a clean prefix is answered at once');
    const later = track(store.create('/k/c', '"c"'));
    await turns();
    assert.not.ok(list.settled);
    assert.is(
      store.commits,
      commitsBefore + 2,
      'no commit while a list waits for every commit to be durable',
    );

    // Sync 1 completes: commit 1 is durable and settles; commit 2 still is not.
    held.calls[1].release();
    const u = await upd.p;
    assert.is((await getA.p)?.value, '"a1"');
    assert.is(await store.revision(), u.modRevision);
    assert.equal(
      events.map((e) => e.kv.value),
      ['"a1"'],
    );
    await turns();
    assert.not.ok(createB.settled || dupB.settled || list.settled);

    // Sync 2 completes: the list runs before the held commit, which then commits.
    held.calls[2].release();
    assert.is((await getB.p)?.value, '"b"');
    const listed = await list.p;
    assert.equal(
      listed.items.map((kv) => `${kv.key}=${kv.value}`),
      ['/k/a="a1"', '/k/b="b"'],
    );
    const b = await createB.p;
    assert.is(listed.revision, b.modRevision, 'the list is at the durable revision');
    await rejects(() => dupB.p, KeyExistsError);
    await waitFor(() => held.calls.length === 4, 'the sync of the held commit');
    assert.is(store.commits, commitsBefore + 3);
    assert.not.ok(later.settled);
    held.calls[3].release();
    await later.p;
    assert.equal(
      events.map((e) => e.kv.key),
      ['/k/a', '/k/b', '/k/c'],
    );
    w.close();
  } finally {
    held.releaseAll();
    await cleanup();
  }
});

test('a failed sync fails the writes it covers and every request after it', async () => {
  const held = heldSyncs();
  const { store, cleanup } = freshStore({ walSync: held.walSync });
  try {
    const first = store.create('/k/a', '"a"');
    await waitFor(() => held.calls.length === 1, 'the sync');
    held.calls[0].fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    const err = await rejects(() => first, StoreSyncError);
    assert.match(err.message, /EIO/);
    await rejects(() => store.get('/k/a'), StoreSyncError);
    await rejects(() => store.list('/k/'), StoreSyncError);
    await rejects(() => store.create('/k/b', '"b"'), StoreSyncError);
  } finally {
    held.releaseAll();
    await cleanup();
  }
});

test('the real sync is given the -wal file, and still names it after checkpoints', async () => {
  const fds: number[] = [];
  const { store, path, cleanup } = freshStore({
    walSync: async (fd) => {
      fds.push(fd);
      fdatasyncSync(fd);
    },
  });
  try {
    const value = JSON.stringify({ pad: 'x'.repeat(4000) });
    // ~8 MB of frames: past the 1000-page auto-checkpoint, so the WAL is reset and reused.
    for (let round = 0; round < 20; round++)
      await Promise.all(Array.from({ length: 100 }, (_, i) => store.create(`/k/${round}/${i}`, value)));
    await store.vacuum(); // wal_checkpoint(TRUNCATE): the file is emptied in place
    await store.create('/k/after', '"x"');
    assert.ok(fds.length >= 21);
    assert.ok(
      fds.every((fd) => fd === fds[0]),
      'one fd for the store',
    );
    assert.is(fstatSync(fds[0]).ino, statSync(`${path}-wal`).ino, 'the fd names the -wal file');
    assert.is((await store.list('/k/')).items.length, 2001);
  } finally {
    await cleanup();
  }
});

test.run();
