// Server dry-run and watch bookmarks (issue #17 items 2 and 6), over HTTP and with the real
// kubectl: a dry run validates and answers the object as it would be, and stores nothing, sends
// no watch event and consumes no revision.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubeObject, WatchEvent } from '../../../shared/api/types.js';
import { kubectl as kubectlWith, writeKubeconfig } from '../controllers/fixtures.js';
import { startApi, type TestApi } from './helpers.js';

let t: TestApi;
let kubeconfig: string;
const CM = '/api/v1/namespaces/default/configmaps';

test.before(async () => {
  t = await startApi({ bookmarkIntervalMs: 200 });
  kubeconfig = writeKubeconfig(t);
  await t.api.client.create('configmaps', 'default', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'live', labels: { app: 'x' } },
    data: { k: 'v1' },
  } as KubeObject);
});
test.after(async () => t.stop());

function kubectl(...args: string[]) {
  return kubectlWith(kubeconfig, ...args);
}

async function call(method: string, path: string, body?: unknown, ct = 'application/json') {
  const res = await fetch(t.api.url + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': ct },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { code: res.status, body: (await res.json()) as KubeObject & { message?: string } };
}

/** Store revision and the live object, to show a dry run changed neither. */
async function snapshot() {
  return { revision: await t.store.revision(), live: (await call('GET', `${CM}/live`)).body };
}

/** Watch events that arrive on the configmaps of default while fn runs. */
async function eventsDuring(fn: () => Promise<void>): Promise<WatchEvent[]> {
  const seen: WatchEvent[] = [];
  const w = await t.api.client.watch('configmaps', 'default', {}, (ev) => seen.push(ev as WatchEvent));
  try {
    await fn();
    // A real write after the dry runs: its event arriving proves the watch was live throughout.
    await call('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'fence-' } });
    const deadline = Date.now() + 5000;
    while (!seen.some((e) => e.object.metadata.name?.startsWith('fence-')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
  } finally {
    w.close();
  }
  return seen.filter((e) => !e.object.metadata.name?.startsWith('fence-'));
}

test('dryRun=All on create, update, patch and delete: the answer as it would be, nothing stored, no event, no revision', async () => {
  const before = await snapshot();
  const events = await eventsDuring(async () => {
    const c = await call('POST', `${CM}?dryRun=All`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'new' },
      data: { a: '1' },
    });
    assert.is(c.code, 201, JSON.stringify(c.body));
    assert.is(c.body.metadata.name, 'new');
    assert.ok(c.body.metadata.uid, 'defaulted as a real create would');
    assert.is(c.body.metadata.resourceVersion, undefined, 'no revision consumed');
    const u = await call('PUT', `${CM}/live?dryRun=All`, { ...before.live, data: { k: 'v2' } });
    assert.is(u.code, 200, JSON.stringify(u.body));
    assert.equal((u.body as unknown as { data: unknown }).data, { k: 'v2' });
    const p = await call(
      'PATCH',
      `${CM}/live?dryRun=All`,
      { data: { k: 'v3' } },
      'application/merge-patch+json',
    );
    assert.is(p.code, 200, JSON.stringify(p.body));
    assert.equal((p.body as unknown as { data: unknown }).data, { k: 'v3' });
    const d = await call('DELETE', `${CM}/live?dryRun=All`);
    assert.is(d.code, 200, JSON.stringify(d.body));
    const db = await call('DELETE', `${CM}/live`, {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      dryRun: ['All'],
    });
    assert.is(db.code, 200, 'dryRun in the DeleteOptions body');
  });
  assert.equal(events, [], 'no watch event from a dry run');
  assert.is((await call('GET', `${CM}/new`)).code, 404, 'the dry-run create stored nothing');
  const after = await snapshot();
  assert.equal(after.live, before.live, 'the live object is unchanged');
  assert.is(after.revision, before.revision + 1, 'only the fence write consumed a revision');
});

const refusals: {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  code: number;
  message: RegExp;
}[] = [
  {
    name: 'a dryRun value other than All',
    method: 'POST',
    path: `${CM}?dryRun=Yes`,
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    code: 400,
    message: /dryRun: Unsupported value: "Yes"/,
  },
  {
    name: 'an invalid object',
    method: 'POST',
    path: `${CM}?dryRun=All`,
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Bad_Name' } },
    code: 422,
    message: /Bad_Name/,
  },
  {
    name: 'a create of an existing name',
    method: 'POST',
    path: `${CM}?dryRun=All`,
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'live' } },
    code: 409,
    message: /already exists/,
  },
  {
    name: 'an update with a stale resourceVersion',
    method: 'PUT',
    path: `${CM}/live?dryRun=All`,
    body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'live', resourceVersion: '1' } },
    code: 409,
    message: /modified/,
  },
  {
    name: 'a delete of a missing object',
    method: 'DELETE',
    path: `${CM}/missing?dryRun=All`,
    code: 404,
    message: /not found/,
  },
];

for (const c of refusals)
  test(`dry run refuses ${c.name} as the real verb would (${c.code})`, async () => {
    const before = await snapshot();
    const r = await call(c.method, c.path, c.body);
    assert.is(r.code, c.code, JSON.stringify(r.body));
    assert.match(r.body.message ?? '', c.message);
    assert.equal(await snapshot(), before, 'nothing changed');
  });

test('kubectl apply --dry-run=server, kubectl diff and kubectl delete --dry-run=server change nothing', async () => {
  const before = await snapshot();
  const f = join(t.dir, 'cm.yaml');
  writeFileSync(
    f,
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: live\n  labels: {app: x}\ndata:\n  k: changed\n',
  );
  const a = await kubectl('apply', '--dry-run=server', '-f', f);
  assert.is(a.code, 0, a.err);
  assert.match(a.out, /configmap\/live (configured|serverside-applied) \(server dry run\)/);
  const d = await kubectl('diff', '-f', f);
  assert.is(d.code, 1, `kubectl diff exits 1 when there is a difference: ${d.err}`);
  assert.match(d.out, /-\s+k: v1\n\+\s+k: changed/);
  const del = await kubectl('delete', 'configmap', 'live', '--dry-run=server');
  assert.is(del.code, 0, del.err);
  assert.match(del.out, /configmap "live" deleted \(server dry run\)/);
  assert.equal(await snapshot(), before, 'nothing changed');
});

/** Reads a watch stream's events until `until` holds or the deadline passes. */
async function readWatch(path: string, until: (evs: WatchEvent[]) => boolean): Promise<WatchEvent[]> {
  const ac = new AbortController();
  const res = await fetch(t.api.url + path, { signal: ac.signal });
  assert.is(res.status, 200);
  const evs: WatchEvent[] = [];
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const deadline = Date.now() + 10_000;
  try {
    while (!until(evs) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i = buf.indexOf('\n');
      while (i >= 0) {
        evs.push(JSON.parse(buf.slice(0, i)) as WatchEvent);
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    }
  } finally {
    ac.abort();
  }
  return evs;
}

test('allowWatchBookmarks: BOOKMARKs at the interval carry a resourceVersion a watch can resume from', async () => {
  const rv = String(await t.store.revision());
  const evs = await readWatch(
    `${CM}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`,
    (e) => e.filter((x) => x.type === 'BOOKMARK').length >= 2,
  );
  const marks = evs.filter((e) => e.type === 'BOOKMARK');
  assert.ok(marks.length >= 2, `two bookmarks at a 200 ms interval: ${JSON.stringify(evs)}`);
  assert.equal(Object.keys(marks[0].object), ['apiVersion', 'kind', 'metadata']);
  assert.is(marks[0].object.kind, 'ConfigMap');
  assert.is(marks[0].object.metadata.resourceVersion, rv);
  const resumed = await readWatch(
    `${CM}?watch=1&resourceVersion=${marks[1].object.metadata.resourceVersion}`,
    () => true,
  );
  assert.equal(resumed, [], 'resuming from a bookmark is accepted');
});

test('no BOOKMARK unless asked; sendInitialEvents with bookmarks ends the initial events with the annotated one', async () => {
  const plain = await readWatch(
    `${CM}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`,
    (e) => e.length >= 1,
  );
  assert.ok(plain.every((e) => e.type !== 'BOOKMARK'));
  const evs = await readWatch(
    `${CM}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
    (e) => e.some((x) => x.type === 'BOOKMARK'),
  );
  const end = evs.findIndex((e) => e.type === 'BOOKMARK');
  assert.ok(end >= 1, `ADDED events come first: ${JSON.stringify(evs.map((e) => e.type))}`);
  assert.ok(evs.slice(0, end).every((e) => e.type === 'ADDED'));
  assert.is(evs[end].object.metadata.annotations?.['k8s.io/initial-events-end'], 'true');
});

test.run();
