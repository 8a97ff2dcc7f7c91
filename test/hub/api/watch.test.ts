// Watch over real HTTP: ordering, resume, 410 after compaction, selector transitions,
// timeoutSeconds, initial events, Table-wrapped events.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigMap, KubeObject, WatchEvent } from '../../../shared/api/types.js';
import { GoneError } from '../../../hub/api/errors.js';
import { HttpApiClient } from '../../../hub/api/http-client.js';
import { startApi, type TestApi, waitFor } from './helpers.js';

let t: TestApi;
let c: HttpApiClient;
test.before(async () => {
  t = await startApi();
  c = new HttpApiClient(t.api.url);
});
test.after(async () => t.stop());

const cm = (
  name: string,
  labels: Record<string, string> = {},
  data: Record<string, string> = {},
): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});

function collect() {
  const events: WatchEvent<KubeObject>[] = [];
  return {
    events,
    on: (e: WatchEvent<KubeObject>) => events.push(e),
    summary: () => events.map((e) => `${e.type} ${e.object.metadata.name}`),
  };
}

/** Reads newline-delimited events from a raw watch response until `until` or the stream ends. */
async function rawWatch(
  path: string,
  headers: Record<string, string> = {},
  until?: (lines: unknown[]) => boolean,
) {
  const ac = new AbortController();
  const res = await fetch(t.api.url + path, { headers, signal: ac.signal });
  const lines: unknown[] = [];
  if (!res.ok) return { status: res.status, body: await res.json(), lines, ended: true };
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let ended = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    buf += dec.decode(value, { stream: true });
    let i = buf.indexOf('\n');
    while (i >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
      i = buf.indexOf('\n');
    }
    if (until?.(lines)) {
      ac.abort();
      break;
    }
  }
  return { status: res.status, body: undefined, lines, ended };
}

test('events arrive in order: ADDED, MODIFIED, DELETED', async () => {
  const list = await c.list('configmaps', 'default');
  const col = collect();
  const w = await c.watch(
    'configmaps',
    'default',
    { resourceVersion: list.metadata.resourceVersion },
    col.on,
  );
  const a = await c.create<ConfigMap>('configmaps', 'default', cm('w1'));
  await c.update('configmaps', 'default', { ...a, data: { k: 'v' } });
  await c.delete('configmaps', 'default', 'w1');
  await waitFor(() => col.events.length >= 3, 'three events');
  assert.equal(col.summary(), ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
  const rvs = col.events.map((e) => Number(e.object.metadata.resourceVersion));
  assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2], 'increasing resourceVersions');
  w.close();
});

test('resume from a resourceVersion replays what happened after it', async () => {
  const a = await c.create<ConfigMap>('configmaps', 'default', cm('r1'));
  await c.create('configmaps', 'default', cm('r2'));
  await c.patch('configmaps', 'default', 'r1', { data: { x: 'y' } });
  const col = collect();
  const w = await c.watch('configmaps', 'default', { resourceVersion: a.metadata.resourceVersion }, col.on);
  await waitFor(() => col.events.length >= 2, 'replayed events');
  assert.equal(col.summary(), ['ADDED r2', 'MODIFIED r1']);
  w.close();
});

test('watch from a compacted resourceVersion -> 410 Gone (Expired)', async () => {
  const first = await c.create<ConfigMap>('configmaps', 'default', cm('g1'));
  await c.patch('configmaps', 'default', 'g1', { data: { a: 'b' } });
  await c.patch('configmaps', 'default', 'g1', { data: { a: 'c' } });
  await t.store.compact(await t.store.revision());
  try {
    await c.watch('configmaps', 'default', { resourceVersion: first.metadata.resourceVersion }, () => {});
    assert.unreachable('expected 410');
  } catch (e) {
    assert.instance(e, GoneError);
    assert.is((e as GoneError).code, 410);
    assert.match((e as Error).message, /too old resource version/);
  }
  const raw = await rawWatch(
    `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${first.metadata.resourceVersion}`,
  );
  assert.is(raw.status, 410);
  assert.is((raw.body as { reason: string }).reason, 'Expired');
  // the current revision still works
  const w = await c.watch(
    'configmaps',
    'default',
    { resourceVersion: String(await t.store.revision()) },
    () => {},
  );
  w.close();
});

test('selectors: stops matching -> DELETED, starts matching -> ADDED', async () => {
  const col = collect();
  const w = await c.watch('configmaps', 'default', { labelSelector: 'app=web' }, col.on);
  await c.create('configmaps', 'default', cm('s1', { app: 'web' }));
  await c.create('configmaps', 'default', cm('s2', { app: 'db' }));
  await c.patch('configmaps', 'default', 's1', { metadata: { labels: { app: 'db' } } });
  await c.patch('configmaps', 'default', 's2', { metadata: { labels: { app: 'web' } } });
  await c.patch('configmaps', 'default', 's2', { data: { z: '1' } });
  await waitFor(() => col.events.length >= 4, 'four events');
  assert.equal(col.summary(), ['ADDED s1', 'DELETED s1', 'ADDED s2', 'MODIFIED s2']);
  w.close();
});

test('no resourceVersion over HTTP: current objects first as ADDED; timeoutSeconds ends the stream', async () => {
  await c.create('configmaps', 'default', cm('i1', { initial: 'yes' }));
  const t0 = Date.now();
  const r = await rawWatch(
    '/api/v1/namespaces/default/configmaps?watch=true&labelSelector=initial%3Dyes&timeoutSeconds=1',
  );
  assert.ok(r.ended, 'stream ended by the server');
  assert.ok(Date.now() - t0 >= 900, 'not before the timeout');
  assert.equal(
    r.lines.map((l) => `${(l as WatchEvent).type} ${(l as WatchEvent).object.metadata.name}`),
    ['ADDED i1'],
  );
});

test('/watch/ path style works too', async () => {
  const r = await rawWatch(
    '/api/v1/watch/namespaces/default/configmaps?labelSelector=initial%3Dyes&timeoutSeconds=1',
  );
  assert.is(r.lines.length, 1);
});

test('Table watch: each event is a one-row Table', async () => {
  const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
  const p = rawWatch(
    '/api/v1/namespaces/default/configmaps?watch=true&labelSelector=t%3D1',
    { Accept: accept },
    (l) => l.length >= 2,
  );
  await waitFor(
    async () => (await t.api.metrics.render()).includes('apiserver_registered_watchers 1'),
    'watch registered',
  );
  await c.create('configmaps', 'default', cm('t1', { t: '1' }, { a: '1', b: '2' }));
  await c.patch('configmaps', 'default', 't1', { data: { c: '3' } });
  const r = await p;
  const ev = r.lines as {
    type: string;
    object: { kind: string; columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  }[];
  assert.equal(
    ev.map((e) => e.type),
    ['ADDED', 'MODIFIED'],
  );
  assert.is(ev[0].object.kind, 'Table');
  assert.equal(
    ev[0].object.columnDefinitions.map((x) => x.name),
    ['Name', 'Data', 'Age'],
  );
  assert.is(ev[0].object.rows.length, 1);
  assert.equal(ev[1].object.rows[0].cells.slice(0, 2), ['t1', 3]);
  await waitFor(
    async () => (await t.api.metrics.render()).includes('apiserver_registered_watchers 0'),
    'watch unregistered',
  );
});

test('server close ends open watches', async () => {
  const ended = new Promise<void>((resolve) => {
    void c.watch(
      'configmaps',
      'default',
      {},
      () => {},
      () => resolve(),
    );
  });
  await waitFor(
    async () => (await t.api.metrics.render()).includes('apiserver_registered_watchers 1'),
    'watch open',
  );
  await t.api.close();
  await ended;
});

test.run();
