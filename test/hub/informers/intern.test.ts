// The shared informers hold one copy of a repeated string value (hub/informers/intern.ts):
// objects listed and watched from a real API server, counted in a V8 heap snapshot of this
// process. Without the pool every decoded object carries its own copy. The pool's own bounds
// are checked as pure logic.

import { randomUUID } from 'node:crypto';
import { getHeapSnapshot } from 'node:v8';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InformerFactory } from '../../../hub/informers/factory.js';
import { MAX_INTERNED_LENGTH, StringPool } from '../../../shared/intern.js';
import type { ConfigMap } from '../../../shared/api/types.js';
import { waitUntil } from '../../helpers/wait.js';
import { quiet, withApi } from './api-server.js';

interface HeapSnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** String objects in this process's heap whose content is exactly s. */
async function copiesInHeap(s: string): Promise<number> {
  const chunks: Buffer[] = [];
  for await (const c of getHeapSnapshot()) chunks.push(c as Buffer);
  const snap = JSON.parse(Buffer.concat(chunks).toString('utf8')) as HeapSnapshotJson;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName] = [fields.indexOf('type'), fields.indexOf('name')];
  let n = 0;
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    if (types[snap.nodes[i + iType]] === 'string' && snap.strings[snap.nodes[i + iName]] === s) n++;
  }
  return n;
}

const OBJECTS = 200;

test('the informers hold one copy of a value repeated in every object', () =>
  withApi(async ({ api }) => {
    // Built at run time (not a literal in this file) and longer than V8's own internalized values.
    const value = `shared-value-${randomUUID()}`;
    const factory = new InformerFactory(api.client, quiet);
    const cm = (i: number): ConfigMap => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `cm-${i}`, namespace: 'default', labels: { owner: value } },
      data: { v: value },
    });
    try {
      // Half before the first list, half through the watch.
      for (let i = 0; i < OBJECTS / 2; i++) await api.client.create('configmaps', 'default', cm(i));
      const inf = factory.informer<ConfigMap>('configmaps');
      await inf.start();
      for (let i = OBJECTS / 2; i < OBJECTS; i++) await api.client.create('configmaps', 'default', cm(i));
      await waitUntil(
        'every ConfigMap held',
        () => inf.list().filter((c) => c.data?.v === value).length === OBJECTS,
      );
      // 2 values per object; the store's rows and the requests' texts hold it inside longer strings.
      const copies = await copiesInHeap(value);
      assert.ok(copies <= 3, `${copies} copies of the value for ${2 * OBJECTS} uses`);
    } finally {
      factory.stop();
    }
  }));

test('the pool: first instance kept, long values passed through, cleared when full', () => {
  const pool = new StringPool(3);
  const long = 'x'.repeat(MAX_INTERNED_LENGTH + 1);
  const rows: [string, string, number][] = [
    // value, expected answer, pool size after
    ['a-value', 'a-value', 1],
    ['a-value', 'a-value', 1],
    [long, long, 1],
    ['b-value', 'b-value', 2],
    ['c-value', 'c-value', 3],
    ['d-value', 'd-value', 1], // full: started over
  ];
  for (const [v, want, size] of rows) {
    assert.is(pool.intern(v), want);
    assert.is(pool.size, size, `after ${v.slice(0, 10)}`);
  }
});

test('internValues replaces nested values in place and leaves frozen objects alone', () => {
  const pool = new StringPool();
  const o = { a: 'x-1', b: ['x-2', { c: 'x-3' }], d: 4, e: null };
  pool.internValues(o);
  assert.equal(o, { a: 'x-1', b: ['x-2', { c: 'x-3' }], d: 4, e: null });
  assert.is(pool.size, 3);
  const frozen = Object.freeze({ a: 'y-1' });
  pool.internValues(frozen); // would throw in strict mode if written
  assert.is(pool.size, 3);
});

test.run();
