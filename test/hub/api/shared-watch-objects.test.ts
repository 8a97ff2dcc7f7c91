// A store event is decoded once for every watcher and serialized once for every JSON watch
// stream (hub/api/shared-objects.ts): in-process watchers and informers get the very same
// object, frozen under the test runner, so one watcher's attempt to change it throws and cannot
// reach the others; two HTTP streams send one serialization. An event the API wrote itself is
// not parsed (the writer's copy serves it) and equals what the store holds; an update reads
// the event's object instead of parsing the stored value. A custom resource read in two
// versions gets each version's apiVersion.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HttpApiClient } from '../../../hub/api/http-client.js';
import type { ResourceDef } from '../../../hub/api/resource.js';
import { fromKv } from '../../../hub/api/meta.js';
import { SharedObjects, sharedObjectCounts } from '../../../hub/api/shared-objects.js';
import { InformerFactory } from '../../../hub/informers/factory.js';
import type { ConfigMap, KubeObject, WatchEvent } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { startApi, type TestApi, waitFor } from './helpers.js';

let t: TestApi;
test.before(async () => {
  t = await startApi();
});
test.after(async () => t.stop());

const cm = (name: string, v: string): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data: { v },
});

function collect() {
  const events: WatchEvent<KubeObject>[] = [];
  return { events, on: (e: WatchEvent<KubeObject>) => events.push(e) };
}

const counts = () => ({ ...sharedObjectCounts });

test('two in-process watchers get one object, decoded once; changing it throws and reaches no one', async () => {
  const a = collect();
  const b = collect();
  const wa = await t.api.client.watch('configmaps', 'default', {}, a.on);
  const wb = await t.api.client.watch('configmaps', 'default', {}, b.on);
  try {
    const before = counts();
    await t.api.client.create('configmaps', 'default', cm('one', 'first'));
    await waitFor(() => a.events.length === 1 && b.events.length === 1, 'both watchers got the event');
    const [ea, eb] = [a.events[0], b.events[0]];
    assert.is(ea.type, 'ADDED');
    assert.ok(ea.object === eb.object, 'the same object');
    assert.is(sharedObjectCounts.written - before.written, 1, "the writer's copy, once");
    assert.is(sharedObjectCounts.decoded - before.decoded, 0, 'no parse');
    const kv = await t.store.get('/registry/configmaps/default/one');
    assert.equal(ea.object, fromKv(kv!), 'what the store holds, as a read decodes it');
    const data = (ea.object as ConfigMap).data as Record<string, string>;
    assert.ok(Object.isFrozen(ea.object) && Object.isFrozen(data), 'frozen under the test runner');
    assert.throws(() => {
      data.v = 'changed by a';
    }, TypeError);
    assert.is((eb.object as ConfigMap).data?.v, 'first', 'b still sees what was stored');
    const got = await t.api.client.get<ConfigMap>('configmaps', 'default', 'one');
    assert.is(got.data?.v, 'first');
  } finally {
    wa.close();
    wb.close();
  }
});

test('two informers hold the same watched object', async () => {
  const log = createLogger('test', 40);
  const f1 = new InformerFactory(t.api.client, log);
  const f2 = new InformerFactory(t.api.client, log);
  try {
    const i1 = f1.informer<ConfigMap>('configmaps');
    const i2 = f2.informer<ConfigMap>('configmaps');
    await Promise.all([i1.start(), i2.start()]);
    await t.api.client.create('configmaps', 'default', cm('two', 'x'));
    await waitFor(() => i1.get('default/two') && i2.get('default/two'), 'both informers hold it');
    assert.ok(i1.get('default/two') === i2.get('default/two'), 'one object for both caches');
    assert.ok(Object.isFrozen(i1.get('default/two')));
  } finally {
    f1.stop();
    f2.stop();
  }
});

test('two JSON watch streams: one serialization per event, the same text', async () => {
  const c = new HttpApiClient(t.api.url);
  const a = collect();
  const b = collect();
  const rv = String(await t.store.revision());
  const wa = await c.watch('configmaps', 'default', { resourceVersion: rv }, a.on);
  const wb = await c.watch('configmaps', 'default', { resourceVersion: rv }, b.on);
  try {
    const before = counts();
    const created = await t.api.client.create('configmaps', 'default', cm('three', 'y'));
    await t.api.client.update('configmaps', 'default', { ...created, data: { v: 'z' } });
    await waitFor(() => a.events.length === 2 && b.events.length === 2, 'both streams got both events');
    assert.is(sharedObjectCounts.serialized - before.serialized, 2, 'one serialization per event');
    assert.is(sharedObjectCounts.written - before.written, 2, "each event's object is the writer's copy");
    assert.equal(a.events, b.events);
    assert.equal(
      a.events.map((e) => `${e.type} ${(e.object as ConfigMap).data?.v}`),
      ['ADDED y', 'MODIFIED z'],
    );
  } finally {
    wa.close();
    wb.close();
  }
});

test("an update reads the last event's object; a write that changes nothing answers a copy", async () => {
  const w = await t.api.client.watch('configmaps', 'default', {}, () => {});
  try {
    const created = await t.api.client.create<ConfigMap>('configmaps', 'default', cm('four', 'a'));
    const before = counts();
    const updated = await t.api.client.update<ConfigMap>('configmaps', 'default', {
      ...created,
      data: { v: 'b' },
    });
    assert.is(sharedObjectCounts.stored - before.stored, 1, 'the stored object came from the event');
    assert.is(updated.data?.v, 'b');
    const same = await t.api.client.update<ConfigMap>('configmaps', 'default', updated);
    assert.is(same.metadata.resourceVersion, updated.metadata.resourceVersion, 'nothing written');
    assert.not.ok(Object.isFrozen(same), "the caller's own object");
    (same.data as Record<string, string>).v = 'mine';
    const got = await t.api.client.get<ConfigMap>('configmaps', 'default', 'four');
    assert.is(got.data?.v, 'b');
    assert.not.ok(Object.isFrozen(got), "a get answers the caller's own object too");
  } finally {
    w.close();
  }
});

test('a custom resource read in two versions: each gets its apiVersion', () => {
  const base = {
    group: 'example.com',
    resource: 'widgets',
    kind: 'Widget',
    custom: { storagePath: 'example.com/widgets' },
  };
  const v1 = { ...base, version: 'v1' } as unknown as ResourceDef;
  const v2 = { ...base, version: 'v2' } as unknown as ResourceDef;
  const kv = {
    key: '/registry/example.com/widgets/default/w',
    value: JSON.stringify({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    createRevision: 7,
    modRevision: 9,
  };
  const shared = new SharedObjects();
  const a = shared.ofEvent(kv, v1);
  assert.is(a.apiVersion, 'example.com/v1');
  assert.is(a.metadata.resourceVersion, '9');
  assert.ok(shared.ofEvent(kv, v1) === a, 'the same version: the same object');
  assert.ok(shared.stored({ ...kv }, v1) === a, 'a read of that revision: the same object');
  const b = shared.ofEvent(kv, v2);
  assert.is(b.apiVersion, 'example.com/v2');
  assert.is(shared.stored({ ...kv }, v2).apiVersion, 'example.com/v2');
  assert.is(a.apiVersion, 'example.com/v1', 'the first version is left alone');
});

test.run();
