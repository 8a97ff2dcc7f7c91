// A store event is decoded once for every watcher and serialized once for every JSON watch
// stream (hub/api/shared-objects.ts): in-process watchers and informers get the very same
// object, frozen under the test runner, so one watcher's attempt to change it throws and cannot
// reach the others; two HTTP streams send one serialization. A custom resource watched in two
// versions gets each version's apiVersion.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HttpApiClient } from '../../../hub/api/http-client.js';
import type { ResourceDef } from '../../../hub/api/resource.js';
import { sharedObject, sharedObjectCounts } from '../../../hub/api/shared-objects.js';
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
    assert.is(sharedObjectCounts.decoded - before.decoded, 1, 'decoded once');
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
    assert.is(sharedObjectCounts.decoded - before.decoded, 2, 'one decode per event');
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
  const a = sharedObject(kv, v1);
  assert.is(a.apiVersion, 'example.com/v1');
  assert.is(a.metadata.resourceVersion, '9');
  assert.ok(sharedObject(kv, v1) === a, 'the same version: the same object');
  const b = sharedObject(kv, v2);
  assert.is(b.apiVersion, 'example.com/v2');
  assert.is(a.apiVersion, 'example.com/v1', 'the first version is left alone');
});

test.run();
