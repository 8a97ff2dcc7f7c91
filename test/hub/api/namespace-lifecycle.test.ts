// Creates in a namespace follow its lifecycle although the API keeps the namespaces it saw
// (hub/api/namespace-lifecycle.ts) instead of reading each one per create: a deleted namespace
// refuses at once (404), a recreated one takes objects again, one marked for deletion behind
// the API's back (a store write: the API itself removes a namespace at once) refuses with 403,
// and a store read that raced a newer event cannot bring back what that event said.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigMap } from '../../../shared/api/types.js';
import { type ApiError, ForbiddenError, NotFoundError } from '../../../hub/api/errors.js';
import { HttpApiClient } from '../../../hub/api/http-client.js';
import { NamespaceLifecycle } from '../../../hub/api/namespace-lifecycle.js';
import { SqliteStore } from '../../../hub/store/sqlite.js';
import { createLogger } from '../../../shared/log.js';
import { startApi, type TestApi } from './helpers.js';

let t: TestApi;
let c: HttpApiClient;

test.before(async () => {
  t = await startApi();
  c = new HttpApiClient(t.api.url);
});
test.after(async () => t.stop());

const ns = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const cm = (name: string): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });

async function refused(p: Promise<unknown>, cls: new (...a: never[]) => ApiError, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, cls);
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable('the create was not refused');
}

test('a deleted namespace refuses creates at once; recreated, it takes them again', async () => {
  await c.create('namespaces', undefined, ns('life'));
  await c.create('configmaps', 'life', cm('a'));
  await c.create('configmaps', 'life', cm('b')); // the namespace is known by now
  await c.delete('namespaces', undefined, 'life');
  await refused(c.create('configmaps', 'life', cm('c')), NotFoundError, /namespaces "life" not found/);
  await c.create('namespaces', undefined, ns('life'));
  await c.create('configmaps', 'life', cm('d'));
  assert.equal(
    (await c.list<ConfigMap>('configmaps', 'life')).items.map((o) => o.metadata.name),
    ['d'],
  );
});

test('a namespace marked for deletion in the store refuses creates with 403', async () => {
  await c.create('namespaces', undefined, ns('ending'));
  await c.create('configmaps', 'ending', cm('a'));
  const key = '/registry/namespaces/ending';
  const kv = await t.store.get(key);
  const o = JSON.parse(kv!.value) as { metadata: Record<string, unknown> };
  o.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  await t.store.update(key, JSON.stringify(o), kv!.modRevision);
  await refused(c.create('configmaps', 'ending', cm('b')), ForbiddenError, /is being terminated/);
});

test('a store read older than the last event seen does not undo it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drover-nslife-'));
  const store = SqliteStore.open(join(dir, 'store.db'));
  try {
    const n = await NamespaceLifecycle.start(store, createLogger('test', 50));
    const created = await store.create('/registry/namespaces/x', JSON.stringify(ns('x')));
    assert.is(n.active('x'), true, 'the create event makes it known');
    await store.delete('/registry/namespaces/x');
    assert.is(n.active('x'), undefined, 'the delete event forgets it as active');
    n.learn('x', created.modRevision, true); // a read from before the delete, answered late
    assert.is(n.active('x'), undefined, 'the late read does not bring it back');
    n.learn('y', 1, true);
    assert.is(n.active('y'), true, 'a read of a namespace no event told of is kept');
    n.close();
    assert.is(n.active('y'), undefined, 'closed: every check reads the store');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
