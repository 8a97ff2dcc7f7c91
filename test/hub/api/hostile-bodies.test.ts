// Hostile request bodies against a real `drover hub` process (issue #14): the exact sequence
// that used to abort the hub, then a property-based sweep (fast-check) of nesting depth x size x
// content type over every write route. Every answer is a 4xx Status, the hub keeps serving,
// its memory comes back, and no valid object changes.

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Deployment } from '../../../shared/api/apps.js';
import type { KubeObject } from '../../../shared/api/types.js';
import { apiFetch, getJson } from '../../helpers/api.js';
import { type HubProcess, killAll, startHubProcess } from '../../helpers/procs.js';
import { assertProperty } from '../../helpers/property.js';
import { cleanupTempDirs } from '../../helpers/tmp.js';
import { waitUntil } from '../../helpers/wait.js';

let hub: HubProcess;
const CM = '/api/v1/namespaces/default/configmaps';
const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';

test.before(async () => {
  hub = await startHubProcess();
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'victim' }, data: { k: 'v' } };
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'victim' },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'v' } },
      template: {
        metadata: { labels: { app: 'v' } },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
    },
  };
  for (const [path, body] of [
    [CM, cm],
    [DEPLOY, dep],
  ] as const) {
    const r = await apiFetch(hub.apiUrl, path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (r.status !== 201) throw new Error(`setup ${path}: ${r.status} ${await r.text()}\n${hub.output()}`);
  }
  // The Deployment controller's own writes (revision annotation, conditions, status) end with
  // observedGeneration: only after them may the victims' resourceVersions stay still.
  await waitUntil('the victim Deployment settled', async () => {
    const d = await getJson<Deployment>(hub.apiUrl, `${DEPLOY}/victim`);
    return d.status?.observedGeneration === d.metadata.generation;
  });
});

test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function send(method: string, path: string, contentType: string, body: string | Uint8Array) {
  const r = await apiFetch(hub.apiUrl, path, { method, headers: { 'content-type': contentType }, body });
  const text = await r.text();
  return { code: r.status, text };
}

async function alive(): Promise<boolean> {
  const r = await apiFetch(hub.apiUrl, '/healthz').catch(() => undefined);
  return r?.status === 200;
}

/** resourceVersions of the objects no hostile request may change. */
async function victims(): Promise<string[]> {
  const out: string[] = [];
  for (const p of [`${CM}/victim`, `${DEPLOY}/victim`])
    out.push((await getJson<KubeObject>(hub.apiUrl, p)).metadata.resourceVersion ?? '');
  return out;
}

function bomb(): string {
  let s = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
  let prev = 'a';
  for (let i = 1; i < 12; i++) {
    s += `b${i}: &b${i} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
    prev = `b${i}`;
  }
  return s;
}

test('the issue #14 sequence, twice: each body a 400, the hub still serving', async () => {
  const deepJson = `${'['.repeat(500_000)}${']'.repeat(500_000)}\n`;
  const deepYaml = `a: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`;
  const seq: [string, string][] = [
    ['application/json', deepJson],
    ['application/yaml', deepYaml],
    ['application/yaml', bomb()],
    ['application/json', deepJson],
    ['application/yaml', deepYaml],
  ];
  const before = await victims();
  for (let round = 0; round < 2; round++)
    for (const [ct, body] of seq) {
      const r = await send('POST', CM, ct, body);
      assert.is(
        r.code,
        400,
        `${ct} ${body.length} bytes: ${r.text.slice(0, 300)}\n${hub.output().slice(-2000)}`,
      );
      assert.match(r.text, /"kind":"Status"/);
    }
  assert.ok(await alive(), `hub alive:\n${hub.output().slice(-2000)}`);
  assert.equal(await victims(), before, 'nothing valid changed');
});

// Found by the property below (FC_SEED=-452868272 FC_PATH=37): a delete's body that decodes to
// something other than DeleteOptions was ignored and the delete went on.
test('a delete whose body is not DeleteOptions is a 400 and deletes nothing', async () => {
  const before = await victims();
  const bodies: [string, string][] = [
    ['application/yaml', Array.from({ length: 69 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')],
    ['application/json', '{"kind":"DeleteOptions","apiVersion":"v1","gracePeriod":0}'],
    ['application/json', '[1,2,3]'],
    ['application/json', '"delete me"'],
  ];
  for (const path of [`${CM}/victim`, `${DEPLOY}/victim`])
    for (const [ct, body] of bodies) {
      const r = await send('DELETE', path, ct, body);
      assert.is(r.code, 400, `${path} ${ct} ${body.slice(0, 60)}: ${r.code} ${r.text.slice(0, 200)}`);
      assert.match(r.text, /"kind":"Status"/);
    }
  assert.equal(await victims(), before, 'nothing deleted');
});

type Shape = 'json-array' | 'json-object' | 'yaml-flow' | 'yaml-block-seq' | 'yaml-block-map';

function nested(shape: Shape, depth: number): string {
  switch (shape) {
    case 'json-array':
      return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    case 'json-object':
      return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    case 'yaml-flow':
      return `a: ${'['.repeat(depth)}x${']'.repeat(depth)}`;
    case 'yaml-block-seq':
      return `${'- '.repeat(depth)}x`;
    case 'yaml-block-map':
      return Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
  }
}

const CONTENT_TYPES = [
  'application/json',
  'application/yaml',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/json-patch+json',
  'application/vnd.kubernetes.protobuf',
  'text/plain',
];

/** Every write route: create on each creatable collection, and update/patch/delete on objects. */
async function writeRoutes(): Promise<{ method: string; path: string }[]> {
  const routes: { method: string; path: string }[] = [];
  for (const gv of ['/api/v1', '/apis/apps/v1']) {
    const list = await getJson<{ resources: { name: string; namespaced: boolean; verbs: string[] }[] }>(
      hub.apiUrl,
      gv,
    );
    for (const r of list.resources)
      if (!r.name.includes('/') && r.verbs.includes('create'))
        routes.push({ method: 'POST', path: `${gv}${r.namespaced ? '/namespaces/default' : ''}/${r.name}` });
  }
  for (const method of ['PUT', 'PATCH', 'DELETE'])
    routes.push({ method, path: `${CM}/victim` }, { method, path: `${DEPLOY}/victim` });
  routes.push(
    { method: 'PUT', path: `${DEPLOY}/victim/status` },
    { method: 'PATCH', path: `${DEPLOY}/victim/scale` },
    { method: 'PUT', path: `${DEPLOY}/victim/scale` },
    { method: 'POST', path: '/api/v1/namespaces/default/pods/victim/binding' },
  );
  return routes;
}

test('property: nesting depth x size x content type on every write route -> 4xx, hub alive, nothing changed', async () => {
  const routes = await writeRoutes();
  assert.ok(routes.length >= 10, `found the write routes: ${JSON.stringify(routes)}`);
  const before = await victims();
  // Warm up the paths once so the RSS baseline includes the decoders' own code.
  await send('POST', CM, 'application/yaml', nested('yaml-flow', 200));
  const rss0 = rssMb(hub.pid);
  const seen = new Map<number, number>();
  await assertProperty(
    fc.asyncProperty(
      fc.constantFrom(...routes),
      fc.constantFrom<Shape>('json-array', 'json-object', 'yaml-flow', 'yaml-block-seq', 'yaml-block-map'),
      // JSON up to the 1.5 MiB body limit and past it; YAML kept smaller (each costs the worker
      // real CPU; the sequence above covers the large ones).
      fc.integer({ min: 129, max: 400_000 }),
      fc.constantFrom(...CONTENT_TYPES),
      fc.boolean(),
      async (route, shape, depth, ct, truncate) => {
        const d = shape.startsWith('yaml') ? Math.min(depth, shape === 'yaml-block-map' ? 600 : 8000) : depth;
        let body = nested(shape, d);
        if (truncate) body = body.slice(0, Math.floor(body.length / 2));
        const r = await send(route.method, route.path, ct, body);
        seen.set(r.code, (seen.get(r.code) ?? 0) + 1);
        if (r.code < 400 || r.code >= 500)
          throw new Error(
            `${route.method} ${route.path} ${ct} ${shape}x${d}: ${r.code} ${r.text.slice(0, 200)}`,
          );
      },
    ),
    { numRuns: 60, endOnFailure: true },
  );
  assert.ok(await alive(), 'hub alive');
  assert.equal(await victims(), before, 'nothing valid changed');
  const rss1 = rssMb(hub.pid);
  console.log(
    `  answers ${JSON.stringify(Object.fromEntries(seen))}; hub RSS ${rss0.toFixed(0)} -> ${rss1.toFixed(0)} MB`,
  );
  assert.ok(rss1 - rss0 < 150, `hub RSS grew from ${rss0.toFixed(0)} to ${rss1.toFixed(0)} MB`);
});

test('property: random bytes as protobuf, JSON and YAML bodies -> 4xx, hub alive', async () => {
  await assertProperty(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 4096 }),
      fc.constantFrom(...CONTENT_TYPES),
      async (bytes, ct) => {
        const body = ct.includes('protobuf') ? new Uint8Array([0x6b, 0x38, 0x73, 0x00, ...bytes]) : bytes;
        const r = await send('POST', CM, ct, body);
        if (r.code < 400 || r.code >= 500)
          throw new Error(`${ct} ${bytes.length} bytes: ${r.code} ${r.text.slice(0, 200)}`);
      },
    ),
    { numRuns: 150 },
  );
  assert.ok(await alive(), 'hub alive');
});

test.run();
