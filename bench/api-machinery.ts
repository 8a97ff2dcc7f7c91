// API machinery (issue #17's benchmark), through a real hub's API (TLS, admin client
// certificate, RBAC, audit) in its own process, in one run:
// - a 500-field custom object (CRD structural schema: validation, pruning, defaults) and a
//   Deployment: create, plain update (PUT of the whole object), server-side apply (the whole
//   object, one field manager) and a merge patch, one call in flight, the four operations
//   interleaved per iteration so machine load falls on each alike; each operation has its own
//   object of the same content. Goal (#17): apply within 3x of update, p50 and p99;
// - the hub's memory (RSS and V8 heap from its /metrics, each after a full GC) before and after 10,000 custom
//   objects, and after one unpaginated LIST of them.
// Run alone: node dist/bench/api-machinery.js [--fields 500] [--requests 300] [--warmup 50]
//   [--objects 10000] [--object-fields 20] [--concurrency 8]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { KubeObject } from '../shared/api/types.js';
import { ANCHORS } from './lib/anchors.js';
import { BenchArgs } from './lib/args.js';
import { type HubChild, startHubChild } from './lib/hub-child.js';
import { hubFetch } from './lib/hub-client.js';
import { type HubMemory, hubMemory } from './lib/hub-memory.js';
import { MachineLoad } from './lib/machine-load.js';
import { expectStatus, type RawApi, rawApi } from './lib/raw-api.js';
import { BenchReport } from './lib/report.js';
import { fmt, ratio, summarize } from './lib/stats.js';
import { WIDE_API_VERSION, WIDE_CRD_NAME, WIDE_PLURAL, wideCrd, wideObject } from './lib/wide-crd.js';

const args = new BenchArgs();
const FIELDS = args.number('fields', 500); // spec fields of the wide custom object
const REQUESTS = args.number('requests', 300); // timed calls per operation and kind
const WARMUP = args.number('warmup', 50); // untimed iterations first (JIT, caches)
const OBJECTS = args.number('objects', 10_000); // custom objects held for the memory figure
const OBJECT_FIELDS = args.number('object-fields', 20); // spec fields of each of those
const CONCURRENCY = args.number('concurrency', 8); // creates in flight while filling
const CRD_READY_MS = 30_000;
const GC_SETTLE_MS = 1_000; // after asking the hub for a full GC, before reading its memory
const APPLY_GOAL_RATIO = 3;
const NS = 'default';
const APPLY = 'application/apply-patch+yaml';
const MERGE = 'application/merge-patch+json';
const MEMORY_LABELS = { app: 'bench', set: 'memory' };

const given = ['fields', 'requests', 'objects', 'object-fields'].filter((k) => args.has(k));
const command = `npm run bench -- api-machinery${given.map((k) => ` --${k} ${args.string(k, '')}`).join('')}`;
const load = new MachineLoad();
const report = new BenchReport('api-machinery', 'API machinery', command, {
  fields: FIELDS,
  requests: REQUESTS,
  warmup: WARMUP,
  objects: OBJECTS,
  objectFields: OBJECT_FIELDS,
  concurrency: CONCURRENCY,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 2 ** 20;

/** One kind under test: its collection path and its object at a given sequence number. */
interface Subject {
  label: string;
  collection: string;
  make(name: string, seq: number): KubeObject;
  /** A merge patch that changes one field. */
  patch(seq: number): unknown;
}

const widget: Subject = {
  label: `${FIELDS}-field custom object`,
  collection: `/apis/${WIDE_API_VERSION}/namespaces/${NS}/${WIDE_PLURAL}`,
  make: (name, seq) => wideObject(name, NS, FIELDS, seq),
  patch: (seq) => ({ spec: { f000: `patched-${seq}` } }),
};

/** replicas 0: the Deployment controller writes a ReplicaSet, no pods churn on a hub with no boards. */
const deployment: Subject = {
  label: 'Deployment',
  collection: `/apis/apps/v1/namespaces/${NS}/deployments`,
  make: (name, seq) =>
    ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: NS, labels: { app: 'bench', tier: 'web' } },
      spec: {
        replicas: 0,
        minReadySeconds: seq % 100,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [
              {
                name: 'app',
                image: 'registry.local/app:1.0',
                ports: [{ name: 'http', containerPort: 8080 }],
                env: [
                  { name: 'MODE', value: 'production' },
                  { name: 'LOG_LEVEL', value: 'info' },
                ],
                resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
                readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10 },
              },
            ],
          },
        },
      },
    }) as KubeObject,
  patch: (seq) => ({ spec: { minReadySeconds: (seq % 100) + 1 } }),
};

type Op = 'create' | 'update' | 'apply' | 'patch';
const OPS: Op[] = ['create', 'update', 'apply', 'patch'];

/** Latencies (ms) of each operation on one kind, `count` interleaved iterations after a warmup. */
async function measure(api: RawApi, s: Subject, prefix: string): Promise<Record<Op, number[]>> {
  const applyPath = `${s.collection}/${prefix}-apply?fieldManager=bench-apply`;
  const patchPath = `${s.collection}/${prefix}-patch`;
  await expectStatus(api, [201], 'POST', s.collection, s.make(`${prefix}-update`, 0));
  await expectStatus(api, [201], 'PATCH', applyPath, s.make(`${prefix}-apply`, 0), APPLY);
  await expectStatus(api, [201], 'POST', s.collection, s.make(`${prefix}-patch`, 0));
  const out: Record<Op, number[]> = { create: [], update: [], apply: [], patch: [] };
  const run: Record<Op, (seq: number) => Promise<unknown>> = {
    create: (seq) => expectStatus(api, [201], 'POST', s.collection, s.make(`${prefix}-c${seq}`, seq)),
    // As `kubectl replace -f`: the manifest, no resourceVersion (an unconditional update; the
    // Deployment controller's status writes would make a carried one conflict).
    update: (seq) =>
      expectStatus(api, [200], 'PUT', `${s.collection}/${prefix}-update`, s.make(`${prefix}-update`, seq)),
    apply: (seq) => expectStatus(api, [200], 'PATCH', applyPath, s.make(`${prefix}-apply`, seq), APPLY),
    patch: (seq) => expectStatus(api, [200], 'PATCH', patchPath, s.patch(seq), MERGE),
  };
  for (let seq = 1; seq <= WARMUP + REQUESTS; seq++) {
    for (const op of OPS) {
      const t0 = performance.now();
      await run[op](seq);
      if (seq > WARMUP) out[op].push(performance.now() - t0);
    }
  }
  return out;
}

async function waitEstablished(api: RawApi): Promise<void> {
  const deadline = Date.now() + CRD_READY_MS;
  const crdPath = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${WIDE_CRD_NAME}`;
  while (Date.now() < deadline) {
    const crd = (await api.call('GET', crdPath)).body as {
      status?: { conditions?: { type: string; status: string }[] };
    };
    const established = crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    if (established && (await api.call('GET', widget.collection)).status === 200) return;
    await sleep(200);
  }
  throw new Error(`CRD ${WIDE_CRD_NAME} not Established within ${CRD_READY_MS} ms`);
}

/** Creates `count` small custom objects, CONCURRENCY in flight; returns the elapsed ms. */
async function fill(api: RawApi, count: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++)
        await expectStatus(
          api,
          [201],
          'POST',
          widget.collection,
          wideObject(`m-${i}`, NS, OBJECT_FIELDS, i, MEMORY_LABELS),
        );
    }),
  );
  return performance.now() - t0;
}

const mb = (b: number) => `${fmt(b / MB)} MB`;
const describe = (m: HubMemory) => `RSS ${mb(m.rssBytes)}, heap ${mb(m.heapUsedBytes)}`;

const dataDir = mkdtempSync(join(tmpdir(), 'drover-bench-api-machinery-'));
let hub: HubChild | undefined;
try {
  hub = await startHubChild({ dataDir, apiPort: 0, mqttPort: 0, mqttHost: '127.0.0.1', logLevel: 'warn' }, [
    '--expose-gc',
  ]);
  const h = hub;
  const api = rawApi(dataDir);
  const metricsFetch = hubFetch(dataDir) as unknown as typeof fetch;
  /** The hub's memory after a full GC (bench/hub-process.ts collects on SIGUSR2). */
  const memory = async () => {
    process.kill(h.pid, 'SIGUSR2');
    await sleep(GC_SETTLE_MS);
    return hubMemory(metricsFetch, api.server);
  };

  await expectStatus(
    api,
    [201],
    'POST',
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    wideCrd(FIELDS),
  );
  await waitEstablished(api);
  const bodyBytes = JSON.stringify(widget.make('x', 0)).length;
  console.log(`   CRD established; a ${FIELDS}-field object is ${bodyBytes} bytes of JSON`);

  for (const s of [widget, deployment]) {
    const lat = await measure(api, s, s === widget ? 'w' : 'd');
    const sum = Object.fromEntries(OPS.map((op) => [op, summarize(lat[op])])) as Record<
      Op,
      ReturnType<typeof summarize>
    >;
    const p50 = ratio(sum.apply.p50, sum.update.p50);
    const p99 = ratio(sum.apply.p99, sum.update.p99);
    const calls = OPS.map((op) => `${op} ${fmt(sum[op].p50)}/${fmt(sum[op].p99)}`).join(', ');
    report.add(`${s.label}: server-side apply / update, p50`, p50, 'x', ANCHORS.applyVsUpdate, {
      met: p50 <= APPLY_GOAL_RATIO && p99 <= APPLY_GOAL_RATIO,
      note: `${fmt(p99)}x at p99; p50/p99 ms: ${calls}`,
    });
    report.add(
      `${s.label}: slowest p99 of the four calls`,
      Math.max(...OPS.map((op) => sum[op].p99)),
      'ms',
      ANCHORS.mutatingP99,
      {
        met: OPS.every((op) => sum[op].p99 <= 1000),
        note: `${REQUESTS} calls each`,
      },
    );
  }

  const before = await memory();
  console.log(`   before ${OBJECTS} custom objects: ${describe(before)}`);
  const fillMs = await fill(api, OBJECTS);
  const filled = await memory();
  console.log(`   after ${fmt(fillMs / 1000)} s of creates: ${describe(filled)}`);
  const t0 = performance.now();
  const list = await expectStatus(api, [200], 'GET', `${widget.collection}?labelSelector=set%3Dmemory`);
  const listMs = performance.now() - t0;
  const items = (list.body as { items: unknown[] }).items.length;
  const listed = await memory();
  const perObject = (filled.heapUsedBytes - before.heapUsedBytes) / OBJECTS;
  const smallBytes = JSON.stringify(wideObject('m-0', NS, OBJECT_FIELDS, 0)).length;
  report.add(
    `hub heap growth for ${OBJECTS} custom objects`,
    (filled.heapUsedBytes - before.heapUsedBytes) / MB,
    'MB',
    ANCHORS.customObjectMemory,
    {
      note: `${fmt(perObject)} bytes of heap per object, RSS ${fmt((filled.rssBytes - before.rssBytes) / MB)} MB more (before: ${describe(before)}; after: ${describe(filled)}; both after a full GC); objects of ${OBJECT_FIELDS} spec fields, ${smallBytes} bytes of JSON; created at ${fmt((OBJECTS * 1000) / fillMs)}/s, ${CONCURRENCY} in flight`,
    },
  );
  report.add(`LIST of ${items} custom objects`, listMs, 'ms', ANCHORS.namespacedList, {
    met: listMs <= 5_000,
    note: `${mb(list.text.length)} of JSON; hub after it and a full GC: ${describe(listed)}`,
  });
  report.note(
    `one call in flight; per iteration a create, an update (PUT of the manifest without resourceVersion, as kubectl replace -f), a server-side apply (field manager bench-apply, no force) and a merge patch, each on its own object of the same content; ${WARMUP} untimed iterations first; the wide object changes every field each time (a ${bodyBytes}-byte body), the Deployment its minReadySeconds`,
  );
  report.note(
    'no informer of the hub watches custom objects (reads and lists go to SQLite), unlike kube-apiserver, whose watch cache keeps each one: the heap growth is what the writes left behind, not a cache',
  );
  report.note(`machine: ${load.describe()}`);
  load.stop();
  report.write();
} finally {
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
