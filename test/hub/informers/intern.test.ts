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
import type { ConfigMap, Node, Pod, Toleration } from '../../../shared/api/types.js';
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

const TOLERATIONS: Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
];
const pod = (name: string, image: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'a' } },
  spec: { containers: [{ name: 'c', image }], tolerations: TOLERATIONS },
});

test('the informers hold one instance of the parts a workload repeats in its pods', () =>
  withApi(async ({ api }) => {
    const factory = new InformerFactory(api.client, quiet);
    try {
      // One listed, two watched; one with another image.
      await api.client.create('pods', 'default', pod('p-0', 'busybox:1'));
      const inf = factory.informer<Pod>('pods');
      await inf.start();
      await api.client.create('pods', 'default', pod('p-1', 'busybox:1'));
      await api.client.create('pods', 'default', pod('p-2', 'busybox:2'));
      await waitUntil('every pod held', () => inf.size() === 3);
      const [p0, p1, p2] = ['p-0', 'p-1', 'p-2'].map((n) => inf.get(`default/${n}`) as Pod);
      assert.ok(p0.spec.tolerations === p1.spec.tolerations, 'tolerations: one instance');
      assert.ok(p0.spec.tolerations === p2.spec.tolerations, 'tolerations: one instance');
      assert.ok(p0.metadata.labels === p1.metadata.labels, 'labels: one instance');
      assert.ok(p0.spec.containers === p1.spec.containers, 'containers: one instance');
      assert.ok(p0.spec.containers !== p2.spec.containers, 'other containers: their own');
      assert.is(p2.spec.containers[0].image, 'busybox:2');
      assert.is(p0.spec.nodeName, undefined);
    } finally {
      factory.stop();
    }
  }));

test('shared parts: equal ones replaced by the first, others and frozen ones left, cleared when full', () => {
  const pool = new StringPool(100, 3);
  const node = (cpu: string): Node => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `n-${cpu}`, labels: { 'kubernetes.io/hostname': `n-${cpu}` } },
    spec: {},
    status: { capacity: { cpu, memory: '1Gi' }, allocatable: { cpu: `${cpu}00m`, memory: '1Gi' } },
  });
  const [a, b, c] = [node('4'), node('4'), node('2')];
  for (const n of [a, b, c]) pool.internValues(n);
  assert.ok(a.status?.capacity === b.status?.capacity);
  assert.ok(a.status?.allocatable === b.status?.allocatable);
  assert.ok(a.metadata.labels !== b.metadata.labels, 'not a shared part of a Node');
  assert.equal(c.status?.capacity, { cpu: '2', memory: '1Gi' });
  assert.ok(a.status?.capacity !== c.status?.capacity);
  assert.ok(a.spec === c.spec, 'the same empty spec');
  // spec, capacity and allocatable of 4; then (3 parts at most) started over with c's capacity
  // and allocatable.
  assert.is(pool.partCount, 2);
  const frozen = Object.freeze({
    ...node('4'),
    status: Object.freeze({ capacity: { cpu: '4', memory: '1Gi' } }),
  });
  pool.internValues(frozen);
  assert.ok(frozen.status.capacity !== a.status?.capacity, 'a frozen object is left as it is');
  // An update (prev: the object it replaces) keeps prev's equal parts, not another's.
  const pool2 = new StringPool();
  const before = node('8');
  pool2.internValues(before);
  const after = node('8');
  (after.status as { capacity: Record<string, string> }).capacity = { memory: '1Gi', cpu: '8' };
  pool2.internValues(after, before);
  assert.ok(after.status?.allocatable === before.status?.allocatable, "prev's equal part");
  assert.ok(after.status?.capacity !== before.status?.capacity, 'keys in another order: its own');
  assert.equal(after.status?.capacity, { memory: '1Gi', cpu: '8' });
  // Other kinds: only strings.
  const cm = { kind: 'ConfigMap', metadata: { labels: { x: 'y' } } };
  const cm2 = { kind: 'ConfigMap', metadata: { labels: { x: 'y' } } };
  pool.internValues(cm);
  pool.internValues(cm2);
  assert.ok(cm.metadata.labels !== cm2.metadata.labels);
});

test.run();
