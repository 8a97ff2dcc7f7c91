// JetStream-only store behaviour: several hubs (stores) on one bucket see each other's writes at
// once and race correctly, keys of any shape survive the subject encoding, bad options and
// unsafe restores are refused, and an unreachable cluster is a typed error.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KeyExistsError, RevisionConflictError } from '../../../hub/store/errors.js';
import { JetStreamStore } from '../../../hub/store/jetstream.js';
import { RestoreTargetNotEmptyError, StoreUnavailableError } from '../../../hub/store/jetstream-errors.js';
import { decodeKey, encodeKey } from '../../../hub/store/jetstream-keys.js';
import { InvalidStoreOptionError, NotAStoreError } from '../../../hub/store/errors.js';
import type { StoreEvent } from '../../../hub/store/store.js';
import { freePort } from '../../../cli/cluster/nats-server.js';
import { stopTestNats, testNats } from './fixtures/backends.js';
import { brief, quietLog, rejects, tempDir, waitFor } from './fixtures/helpers.js';

let buckets = 0;

async function twoHubs(): Promise<{ a: JetStreamStore; b: JetStreamStore; close: () => Promise<void> }> {
  const n = await testNats();
  const bucket = `hubs${process.pid}-${++buckets}`;
  const o = { servers: n.urls, bucket, log: quietLog, compactIntervalMs: 0 };
  const a = await JetStreamStore.open(o);
  const b = await JetStreamStore.open(o);
  return {
    a,
    b,
    close: async () => {
      await a.close();
      await b.close();
    },
  };
}

test('a write on one hub is read on another right after it resolves (get, list, revision)', async () => {
  const { a, b, close } = await twoHubs();
  try {
    for (let i = 0; i < 20; i++) {
      const kv = await a.create(`/x/${i}`, `v${i}`);
      assert.equal(await b.get(`/x/${i}`), kv, `get ${i}`);
      const l = await b.list('/x/');
      assert.is(l.items.length, i + 1);
      assert.ok(l.revision >= kv.modRevision);
      assert.ok((await b.revision()) >= kv.modRevision);
      const u = await b.update(`/x/${i}`, `u${i}`, kv.modRevision);
      assert.equal(await a.get(`/x/${i}`), u);
    }
  } finally {
    await close();
  }
});

test("a watch on one hub sees the other hub's writes in order, with prev values", async () => {
  const { a, b, close } = await twoHubs();
  try {
    const got: StoreEvent[] = [];
    await b.watch('/w/', (ev) => got.push(ev));
    await a.create('/w/k', '1');
    await a.update('/w/k', '2');
    await a.delete('/w/k');
    await waitFor(() => got.length === 3, 'three events on the other hub');
    assert.equal(got.map(brief), [
      'put /w/k=1@1/c1',
      'put /w/k=2@2/c1 prev=1@1',
      'delete /w/k=2@3/c1 prev=2@2',
    ]);
  } finally {
    await close();
  }
});

test('races between hubs: one CAS winner per revision, one creator per key, no lost unconditional update', async () => {
  const { a, b, close } = await twoHubs();
  try {
    const base = await a.create('/r/k', '0');
    const cas = await Promise.allSettled([
      a.update('/r/k', 'A', base.modRevision),
      b.update('/r/k', 'B', base.modRevision),
    ]);
    assert.is(cas.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one CAS wins');
    const lost = cas.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.instance(lost.reason, RevisionConflictError);

    const creates = await Promise.allSettled([a.create('/r/new', 'A'), b.create('/r/new', 'B')]);
    assert.is(creates.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one create wins');
    assert.instance(
      (creates.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason,
      KeyExistsError,
    );

    // Unconditional updates from both hubs: every one lands, each at its own revision, and the
    // key keeps its createRevision.
    const writes = [];
    for (let i = 0; i < 20; i++) writes.push((i % 2 ? a : b).update('/r/k', `u${i}`));
    const done = await Promise.all(writes);
    assert.is(new Set(done.map((kv) => kv.modRevision)).size, 20);
    for (const kv of done) assert.is(kv.createRevision, base.createRevision);
    const last = done.reduce((m, kv) => (kv.modRevision > m.modRevision ? kv : m));
    assert.equal(await b.get('/r/k'), last);
  } finally {
    await close();
  }
});

test('keys of any shape round-trip through the subject encoding and list in store order', async () => {
  const keys = [
    '/registry/pods/default/web-1',
    '/registry/events/default/web-1.17a2b3c4d5e6f',
    '/registry/nodes/edge.a.local',
    '/a/=3D/x',
    '/',
    '//double//slash/',
    '/ünï/cødé/✓',
    'no-leading-slash',
    '/sp ace/and*star>gt',
  ];
  for (const k of keys) {
    const e = encodeKey(k);
    assert.match(e, /^[A-Za-z0-9_=.-]+$/, `encoded ${k} uses only KV key characters`);
    assert.ok(!e.startsWith('.') && !e.endsWith('.') && !e.includes('..'), `no empty token in ${e}`);
    assert.is(decodeKey(e), k);
  }
  assert.is(decodeKey('=pad'), undefined, 'a token encodeKey never makes is not a store key');
  const { a, b, close } = await twoHubs();
  try {
    for (const k of keys) await a.create(k, k);
    const l = await b.list('');
    assert.equal(
      l.items.map((kv) => kv.key),
      [...keys].sort(),
    );
    for (const kv of l.items) assert.is(kv.value, kv.key);
  } finally {
    await close();
  }
});

test('invalid options are refused before connecting', async () => {
  const bad = [
    { servers: [] },
    { servers: ['http://127.0.0.1:4222'] },
    { servers: ['nats://127.0.0.1:4222'], replicas: 2 },
    { servers: ['nats://127.0.0.1:4222'], replicas: 7 },
    { servers: ['nats://127.0.0.1:4222'], history: 0 },
    { servers: ['nats://127.0.0.1:4222'], history: 65 },
    { servers: ['nats://127.0.0.1:4222'], bucket: 'has.dot' },
    { servers: ['nats://127.0.0.1:4222'], compactKeepRevisions: -1 },
  ];
  for (const o of bad) await rejects(() => JetStreamStore.open(o), InvalidStoreOptionError);
});

test('no server answering -> StoreUnavailableError', async () => {
  const port = await freePort();
  await rejects(
    () =>
      JetStreamStore.open({ servers: [`nats://127.0.0.1:${port}`], requestTimeoutMs: 500, log: quietLog }),
    StoreUnavailableError,
  );
});

test('restore refuses a bucket that holds data and files that are not snapshots; nothing is written', async () => {
  const n = await testNats();
  const t = tempDir();
  const bucket = `restore${process.pid}-${++buckets}`;
  const o = { servers: n.urls, bucket, log: quietLog, compactIntervalMs: 0 };
  const s = await JetStreamStore.open(o);
  try {
    await s.create('/keep/me', 'x');
    const snap = join(t.dir, 'snap');
    await s.snapshot(snap);
    await rejects(() => JetStreamStore.restore(snap, o), RestoreTargetNotEmptyError);
    const garbage = join(t.dir, 'garbage');
    writeFileSync(garbage, '{"format":"something else"}\n{"key":1}\n');
    const fresh = { ...o, bucket: `${bucket}-x` };
    await rejects(() => JetStreamStore.restore(garbage, fresh), NotAStoreError);
    await rejects(() => JetStreamStore.restore(join(t.dir, 'missing'), fresh), NotAStoreError);
    assert.equal(
      (await s.list('')).items.map((kv) => kv.key),
      ['/keep/me'],
    );
    assert.is(await s.revision(), 1);
  } finally {
    await s.close();
    t.cleanup();
  }
});

test.after(stopTestNats);

test.run();
