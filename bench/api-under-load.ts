// API under load (issue 5, benchmark 7): latency of mutating API calls (ConfigMap create, then a
// merge patch of it, over HTTP) against an idle hub, then against the same hub while it holds
// a simulated fleet (hollow nodes, 10 s heartbeats), in the same run.
// Run alone: node dist/bench/api-under-load.js [--nodes 10000] [--requests 1000]
//   [--concurrency 4] [--warmup 200] [--ramp 30] [--heartbeat 10s] [--per-process 2500] [--settle 30s]
//   [--ready-timeout 15m]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HttpApiClient } from '../hub/api/http-client.js';
import { hubApiClient } from './lib/hub-client.js';
import type { ConfigMap } from '../shared/api/types.js';
import { ANCHORS } from './lib/anchors.js';
import { BenchArgs } from './lib/args.js';
import { type HubChild, startHubChild } from './lib/hub-child.js';
import { NodeTracker } from './lib/node-tracker.js';
import { cpuPercent, sampleProc } from './lib/proc.js';
import { BenchReport } from './lib/report.js';
import { fmt, type LatencySummary, ratio, summarize } from './lib/stats.js';
import { type Fleet, startFleet } from './sim/fleet.js';

const args = new BenchArgs();
const NODES = args.number('nodes', 10_000); // fleet-scale held 10,000 here (2 cores)
const REQUESTS = args.number('requests', 1000); // ConfigMaps per phase; each is a create + a patch
const CONCURRENCY = args.number('concurrency', 4); // requests in flight
const RAMP = args.number('ramp', 30); // joins started per second (the hub keeps up with ~30/s here)
const HEARTBEAT_MS = args.durationMs('heartbeat', 10_000);
const PER_PROCESS = args.number('per-process', 2500);
const WARMUP = args.number('warmup', 200); // ConfigMaps created and patched before measuring (JIT, caches)
const SETTLE_MS = args.durationMs('settle', 30_000); // after all Ready, before measuring
const READY_TIMEOUT_MS = args.durationMs('ready-timeout', 15 * 60_000);

const given = ['nodes', 'requests', 'concurrency', 'ramp', 'settle'].filter((k) => args.has(k));
const command = `npm run bench -- api-under-load${given.map((k) => ` --${k} ${args.string(k, '')}`).join('')}`;
const report = new BenchReport('api-under-load', 'API under load', command, {
  nodes: NODES,
  requests: REQUESTS,
  concurrency: CONCURRENCY,
  rampPerSecond: RAMP,
  heartbeatMs: HEARTBEAT_MS,
  settleMs: SETTLE_MS,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const NAMESPACE = 'default';

interface Phase {
  all: LatencySummary;
  create: LatencySummary;
  patch: LatencySummary;
  errors: number;
  hubCpu: number;
  seconds: number;
}

/** `count` ConfigMaps, each created then patched, CONCURRENCY at a time; latency per call. */
async function mutate(api: HttpApiClient, prefix: string, hubPid: number, count = REQUESTS): Promise<Phase> {
  const creates: number[] = [];
  const patches: number[] = [];
  let errors = 0;
  let next = 0;
  const timed = async (into: number[], call: () => Promise<unknown>) => {
    const t0 = performance.now();
    try {
      await call();
      into.push(performance.now() - t0);
    } catch {
      errors++;
    }
  };
  const cpu0 = sampleProc(hubPid);
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < count; i = next++) {
        const name = `${prefix}-${i}`;
        await timed(creates, () =>
          api.create<ConfigMap>('configmaps', NAMESPACE, {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name, namespace: NAMESPACE },
            data: { n: String(i) },
          }),
        );
        await timed(patches, () =>
          api.patch<ConfigMap>('configmaps', NAMESPACE, name, { data: { patched: 'yes' } }, 'merge'),
        );
      }
    }),
  );
  return {
    all: summarize([...creates, ...patches]),
    create: summarize(creates),
    patch: summarize(patches),
    errors,
    hubCpu: cpuPercent(cpu0, sampleProc(hubPid)),
    seconds: (Date.now() - t0) / 1000,
  };
}

function print(what: string, p: Phase): void {
  console.log(
    `   ${what}: ${p.all.count} calls in ${fmt(p.seconds)} s, p50 ${fmt(p.all.p50)} ms, p99 ${fmt(p.all.p99)} ms (create p99 ${fmt(p.create.p99)}, patch p99 ${fmt(p.patch.p99)}), ${p.errors} errors, hub ${fmt(p.hubCpu)}% CPU`,
  );
}

const dataDir = mkdtempSync(join(tmpdir(), 'drover-bench-api-load-'));
let hub: HubChild | undefined;
let fleet: Fleet | undefined;
let tracker: NodeTracker | undefined;
try {
  hub = await startHubChild({
    dataDir,
    apiPort: 0,
    mqttPort: 0,
    mqttHost: '127.0.0.1',
    heartbeatIntervalMs: HEARTBEAT_MS,
    logLevel: 'warn',
  });
  const h = hub;
  const api = hubApiClient(dataDir);

  await mutate(api, 'warmup', h.pid, WARMUP);
  const idle = await mutate(api, 'idle', h.pid);
  print('idle hub', idle);

  tracker = new NodeTracker(hubApiClient(dataDir), (n) => n.startsWith('hollow-'));
  await tracker.start();
  const t = tracker;
  console.log(`   starting ${NODES} hollow nodes (ramp ${RAMP}/s)`);
  const t0 = Date.now();
  fleet = await startFleet({
    hubUrl: h.mqtt,
    caPem: h.caPem,
    token: h.token,
    nodes: NODES,
    namePrefix: 'hollow-',
    nodesPerProcess: PER_PROCESS,
    heartbeatIntervalMs: HEARTBEAT_MS,
    rampPerSecond: RAMP,
  });
  let lastLog = 0;
  while (t.readyCount() < NODES && Date.now() - t0 < READY_TIMEOUT_MS) {
    await sleep(500);
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      const c = fleet.counters();
      console.log(
        `     ${Math.round((Date.now() - t0) / 1000)} s: joined ${c.joined}, Ready ${t.readyCount()}/${NODES}, join errors ${c.joinErrors}`,
      );
    }
  }
  const ready = t.readyCount();
  if (ready < NODES) report.note(`only ${ready} of ${NODES} nodes were Ready when the loaded phase began`);
  console.log(`   ${ready} Ready after ${fmt((Date.now() - t0) / 1000)} s; settling ${SETTLE_MS / 1000} s`);
  await sleep(SETTLE_MS);
  const loaded = await mutate(api, 'loaded', h.pid);
  print(`hub holding ${ready} nodes`, loaded);
  const notReady = t.notReadyTransitions.length;

  report.add(`mutating call p99, hub holding ${ready} nodes`, loaded.all.p99, 'ms', ANCHORS.mutatingP99, {
    met: loaded.all.p99 <= 1000 && loaded.errors === 0,
    note: `p50 ${fmt(loaded.all.p50)} ms; create p99 ${fmt(loaded.create.p99)} ms, merge patch p99 ${fmt(loaded.patch.p99)} ms; ${loaded.errors} errors; ${fmt(ratio(loaded.all.p99, idle.all.p99))}x the idle p99; hub ${fmt(loaded.hubCpu)}% CPU while measuring; ${notReady} NotReady transitions`,
  });
  report.add('mutating call p99, idle hub', idle.all.p99, 'ms', ANCHORS.apiIdleBaseline, {
    note: `p50 ${fmt(idle.all.p50)} ms; create p99 ${fmt(idle.create.p99)} ms, merge patch p99 ${fmt(idle.patch.p99)} ms; ${idle.errors} errors`,
  });
  report.note(
    `${REQUESTS} ConfigMaps per phase, each created then merge-patched over HTTP, ${CONCURRENCY} in flight; every call is a durable SQLite commit. Hub, simulator and this client share the machine's ${report.result.machine.cpus} cores`,
  );
  report.write();
} finally {
  tracker?.stop();
  await fleet?.stop();
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
