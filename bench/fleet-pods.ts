// Pods per second end to end at fleet scale (issue 21): one hub process and N hollow boards
// (bench/sim), then (a) one Deployment of P pods and (b) one DaemonSet on every board. Each
// pod takes the whole real path: API create -> ReplicaSet/DaemonSet controller -> scheduler ->
// bind -> the board's desired set over MQTT -> the board's report -> pod status -> owner
// status. Per case: time from the create to all pods bound and to all Running (as reported by
// the boards), the rates, hub CPU (% of one core) and peak RSS, and hub CPU in the 10 s after
// the last pod ran. The Deployment stays while (c) the hub is killed (kill -9), kept down for
// --restart-down, and restarted on its data dir and ports: the time until every board is back
// (heard from and Ready), board NotReady marks, pods deleted/evicted/moved, LISTs after
// start-up, hub CPU; and while (b) runs beside it, so the hub's memory is read at N boards with
// P + N pods, 30 s after its last pod ran, once settled (the per-component split: idle hub, per
// board, per pod, from its gauges, and what the heap give-backs cost). Then Deployments of
// several sizes for the hub CPU cost per pod. Each workload is deleted before the next (the
// boards confirm the deletions). With --runs N every case runs N times on the same fleet and
// each row gives the median (the restart row the worst).
// Unlike the scheduler-throughput figure (the scheduling decision alone, no API, no store),
// this is the path a pod really takes.
// Run alone: node dist/bench/fleet-pods.js [--nodes 10000] [--pods 2000] [--sizes 1000,5000,20000]
//   [--ramp 50] [--per-process 2500] [--timeout 10m] [--restart-down 30s] [--no-restart] [--no-sizes]
//   [--runs 1]  (every case this many times on the same fleet; each row the median, the runs in its note)
//   [--restart-only]  (the Deployment, then the restart case; no DaemonSet, no sizes)
//   [--dials-per-second N]  (connection attempts per second per simulator process: a fleet that
//   comes back at a fixed pace, e.g. 25 x 4 processes: 10,000 boards back in ~100 s)
//   [--hub-prof DIR]  (one .cpuprofile of the hub per case, from its create to its last pod Running)
//   [--hub-node-args=--max-semi-space-size=32]  (node options of the hub process, space-separated)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubApiClient, hubFetch } from './lib/hub-client.js';
import { Informer } from '../hub/informers/informer.js';
import type { DaemonSet, Deployment } from '../shared/api/apps.js';
import type { Pod } from '../shared/api/types.js';
import { createLogger } from '../shared/log.js';
import { BenchArgs } from './lib/args.js';
import { type HubChild, startHubChild } from './lib/hub-child.js';
import { describeMemory, type HubMemory, hubMemory } from './lib/hub-memory.js';
import { MachineLoad } from './lib/machine-load.js';
import { NodeTracker } from './lib/node-tracker.js';
import { PodDisturbance, placementOf } from './lib/pod-disturbance.js';
import { listsByResource, metricByLabel, metricSum } from './lib/prom-text.js';
import { cpuPercent, sampleProc } from './lib/proc.js';
import { PROFILE_SIGNAL } from './lib/signal-profiler.js';
import { BenchReport } from './lib/report.js';
import { fmt, median } from './lib/stats.js';
import { type Fleet, startFleet } from './sim/fleet.js';

const args = new BenchArgs();
const NODES = args.number('nodes', 10_000);
const PODS = args.number('pods', 2_000);
const SIZES =
  args.has('no-sizes') || args.has('restart-only') ? [] : args.numbers('sizes', [1_000, 5_000, 20_000]);
const RAMP = args.number('ramp', 50); // board joins started per second
const PER_PROCESS = args.number('per-process', 2_500);
const TIMEOUT_MS = args.durationMs('timeout', 10 * 60_000); // per case
const SETTLE_MS = 10_000; // hub CPU measured over this long after the last pod runs
/**
 * The hub's memory is read this long after the last pod ran (the DaemonSet case): once settled,
 * after its heap give-back (10 s of calm, hub/heap-give-back-options.ts) and malloc trim, ms.
 */
const MEMORY_READ_MS = 30_000;
/** Pods a hollow board takes (its machine reports pods: 110); larger sizes are skipped. */
const PODS_PER_BOARD = 100;
const HUB_PROF_DIR = args.has('hub-prof') ? args.string('hub-prof', '.') : undefined;
/** How long the hub stays down in the restart case (the issue's case: 30 s), ms. */
const RESTART_DOWN_MS = args.durationMs('restart-down', 30_000);
const RESTART = !args.has('no-restart');
/** Only what the restart case needs: the Deployment it runs under, then the restart. */
const RESTART_ONLY = args.has('restart-only');
const DIALS_PER_SECOND = args.number('dials-per-second', 0);
/** After every board is back, how long nothing more may happen to nodes and pods, ms. */
const RESTART_HOLD_MS = 10_000;
const NS = 'default';
const HUB_NODE_ARGS = args.string('hub-node-args', '').split(' ').filter(Boolean);
/** The cases run this many times on one fleet; each row is the median over the runs. */
const RUNS = args.number('runs', 1);

const given = [
  'nodes',
  'pods',
  'sizes',
  'ramp',
  'timeout',
  'restart-down',
  'dials-per-second',
  'runs',
].filter((k) => args.has(k));
const command = `npm run bench -- fleet-pods${given.map((k) => ` --${k} ${args.string(k, '')}`).join('')}`;
const report = new BenchReport(
  'fleet-pods',
  'Fleet pods end to end (not the scheduling decision alone)',
  command,
  {
    nodes: NODES,
    pods: PODS,
    sizes: SIZES,
    rampPerSecond: RAMP,
    restartDownMs: RESTART ? RESTART_DOWN_MS : undefined,
  },
);
const ANCHOR_E2E = {
  anchor: 'scheduler_perf via API + etcd: a few hundred pods/s at 5,000 nodes; k8s load test 100 pods/s',
  goal: '',
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => b / 2 ** 20;

/** Bound and Running pods of one workload (by label app=<name>), from a pod informer. */
class PodWatch {
  bound = new Set<string>();
  running = new Set<string>();
  present = 0;
  lastBoundAt = 0;
  lastRunningAt = 0;
  constructor(readonly app: string) {}
  observe(type: string, p: Pod): void {
    if (p.metadata.labels?.app !== this.app) return;
    const k = p.metadata.name ?? '';
    if (type === 'DELETED') {
      this.bound.delete(k);
      this.running.delete(k);
      return;
    }
    if (p.spec.nodeName && !this.bound.has(k)) {
      this.bound.add(k);
      this.lastBoundAt = Date.now();
    }
    if (p.status?.phase === 'Running' && !this.running.has(k)) {
      this.running.add(k);
      this.lastRunningAt = Date.now();
    }
  }
}

interface CaseResult {
  /** The hub's memory MEMORY_READ_MS after the last pod ran, where the case asks for it. */
  memory?: HubMemory;
  pods: number;
  boundS: number;
  runningS: number;
  hubCpu: number;
  hubRssMb: number;
  cpuMsPerPod: number;
  settleCpu: number;
  /** Store group commits (fsyncs) and writes per pod, from the hub's gauges. */
  commitsPerPod: number;
  writesPerPod: number;
}

/** The hub's store commit and write counts (SQLite store gauges). */
interface StoreCounts {
  commits: number;
  writes: number;
}

const dataDir = mkdtempSync(join(tmpdir(), 'drover-bench-fleet-pods-'));
let hub: HubChild | undefined;
let fleet: Fleet | undefined;
let tracker: NodeTracker | undefined;
let pods: Informer<Pod> | undefined;
let hubDied = false;
let stopping = false;
const load = new MachineLoad();
/** Starts the hub process (ports 0 the first time, the same ports on a restart). */
async function startHub(ports: { api: number; mqtt: number }): Promise<HubChild> {
  const h = await startHubChild(
    { dataDir, apiPort: ports.api, mqttPort: ports.mqtt, mqttHost: '127.0.0.1', logLevel: 'warn' },
    HUB_NODE_ARGS,
    HUB_PROF_DIR,
  );
  void h.exited.then((code) => {
    if (stopping || hub !== h) return;
    hubDied = true;
    report.note(`the hub process exited (code ${code}) during the run`);
  });
  return h;
}
const hubPid = () => hub?.pid ?? 0;
/** Starts or stops the hub's CPU profile of the current case (with --hub-prof). */
const toggleProfile = () => {
  if (HUB_PROF_DIR && hub) process.kill(hub.pid, PROFILE_SIGNAL);
};
try {
  hub = await startHub({ api: 0, mqtt: 0 });
  const h = hub;
  const client = hubApiClient(dataDir);
  const metricsFetch = hubFetch(dataDir) as typeof fetch;
  const memory = () => hubMemory(metricsFetch, h.api);
  const scrape = async () =>
    (await metricsFetch(`${h.api}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
  const storeCounts = async (): Promise<StoreCounts> => {
    const m = await scrape();
    return { commits: metricSum(m, 'drover_store_commits'), writes: metricSum(m, 'drover_store_writes') };
  };
  const idleMemory = await memory();
  tracker = new NodeTracker(client, (n) => n.startsWith('hollow-'));
  await tracker.start();
  const t = tracker;

  console.log(`   ${NODES} hollow boards (ramp ${RAMP}/s)`);
  const t0 = Date.now();
  fleet = await startFleet({
    hubUrl: h.mqtt,
    caPem: h.caPem,
    token: h.token,
    nodes: NODES,
    namePrefix: 'hollow-',
    nodesPerProcess: PER_PROCESS,
    rampPerSecond: RAMP,
    dialsPerSecond: DIALS_PER_SECOND,
  });
  let lastJoinLog = t0;
  while (t.readyCount() < NODES && Date.now() - t0 < TIMEOUT_MS + NODES * (1000 / RAMP) && !hubDied) {
    await sleep(500);
    if (Date.now() - lastJoinLog < 10_000) continue;
    lastJoinLog = Date.now();
    const c = fleet.counters();
    console.log(
      `     ${Math.round((Date.now() - t0) / 1000)} s: joined ${c.joined}, connected ${c.connected}, Ready ${t.readyCount()}/${NODES}, join errors ${c.joinErrors}${c.firstError ? ` (${c.firstError})` : ''}`,
    );
  }
  if (t.readyCount() < NODES) throw new Error(`only ${t.readyCount()}/${NODES} boards Ready`);
  console.log(`     all ${NODES} Ready after ${fmt((Date.now() - t0) / 1000)} s`);
  const boardsMemory = await memory();

  const watches = new Set<PodWatch>();
  const restartWatches = new Set<{ observe(type: string, p: Pod): unknown }>();
  pods = new Informer<Pod>(client, 'pods', createLogger('bench/pods', 40));
  pods.addHandler({
    onChange: (type, p) => {
      for (const w of watches) w.observe(type, p);
      for (const w of restartWatches) w.observe(type, p);
    },
  });
  await pods.start();

  /**
   * Creates the workload, waits for `want` pods bound and Running, measures; returns the result
   * and the workload's deletion (which waits for the boards to confirm it).
   */
  async function runCase(
    what: string,
    app: string,
    want: number,
    create: () => Promise<unknown>,
    remove: () => Promise<unknown>,
    readMemory = false,
  ): Promise<{ result: CaseResult | undefined; remove: () => Promise<void> }> {
    const w = new PodWatch(app);
    watches.add(w);
    const a = sampleProc(hubPid());
    let peak = a.rssBytes;
    const storeBefore = await storeCounts();
    toggleProfile();
    const start = Date.now();
    await create();
    let lastLog = start;
    while ((w.running.size < want || w.bound.size < want) && Date.now() - start < TIMEOUT_MS && !hubDied) {
      await sleep(200);
      peak = Math.max(peak, sampleProc(hubPid()).rssBytes);
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        console.log(
          `     ${what}: ${Math.round((Date.now() - start) / 1000)} s: bound ${w.bound.size}/${want}, Running ${w.running.size}/${want}`,
        );
      }
    }
    const b = sampleProc(hubPid());
    toggleProfile();
    const ok = w.running.size >= want && w.bound.size >= want;
    let result: CaseResult | undefined;
    if (ok) {
      const storeAfter = await storeCounts();
      await sleep(SETTLE_MS);
      const c = sampleProc(hubPid());
      // What the hub holds once the burst has settled (its peak is in hubRssMb).
      let mem: HubMemory | undefined;
      if (readMemory) {
        await sleep(Math.max(0, w.lastRunningAt + MEMORY_READ_MS - Date.now()));
        mem = await memory();
      }
      result = {
        memory: mem,
        pods: want,
        boundS: (w.lastBoundAt - start) / 1000,
        runningS: (w.lastRunningAt - start) / 1000,
        hubCpu: cpuPercent(a, b),
        hubRssMb: mb(Math.max(peak, b.rssBytes)),
        cpuMsPerPod: (b.cpuMs - a.cpuMs) / want,
        settleCpu: cpuPercent(b, c),
        commitsPerPod: (storeAfter.commits - storeBefore.commits) / want,
        writesPerPod: (storeAfter.writes - storeBefore.writes) / want,
      };
      console.log(
        `     ${what}: ${want} bound after ${fmt(result.boundS)} s, Running after ${fmt(result.runningS)} s (${fmt(want / result.runningS)} pods/s); hub ${fmt(result.hubCpu)}% CPU, ${fmt(result.hubRssMb)} MB; ${fmt(result.cpuMsPerPod)} CPU ms/pod; ${fmt(result.writesPerPod)} store writes and ${fmt(result.commitsPerPod)} commits per pod; ${fmt(result.settleCpu)}% CPU in the ${SETTLE_MS / 1000} s after`,
      );
    } else
      report.note(
        `${what}: only ${w.bound.size} bound and ${w.running.size} Running of ${want} after ${Math.round((Date.now() - start) / 1000)} s`,
      );
    const removeAndWait = async () => {
      await remove();
      const gone = Date.now();
      while (w.bound.size > 0 && Date.now() - gone < TIMEOUT_MS && !hubDied) await sleep(500);
      if (w.bound.size > 0) report.note(`${what}: ${w.bound.size} pods still present after the delete`);
      watches.delete(w);
    };
    return { result, remove: removeAndWait };
  }

  /** Restart case result (see the header). */
  interface RestartResult {
    backS: number;
    apiUpS: number;
    notReady: number;
    disturbance: PodDisturbance;
    listsAfterStart: number;
    cpu: number;
    peakRssMb: number;
  }

  /** kill -9 of the hub with the workload `app` running, down RESTART_DOWN_MS, restart, measure. */
  async function restartCase(app: string): Promise<RestartResult | undefined> {
    const t = tracker as NodeTracker;
    const informer = pods as Informer<Pod>;
    const d = new PodDisturbance(placementOf(informer.list().filter((p) => p.metadata.labels?.app === app)));
    const watch = { observe: (type: string, p: Pod) => p.metadata.labels?.app === app && d.observe(type, p) };
    restartWatches.add(watch);
    const notReadyBefore = t.notReadyTransitions.length;
    const old = hub as HubChild;
    const ports = { api: Number(new URL(old.api).port), mqtt: Number(new URL(old.mqtt).port) };
    console.log(`     restart: kill -9 of the hub, ${RESTART_DOWN_MS / 1000} s down`);
    hub = undefined; // its exit is this case's doing, not a death
    process.kill(old.pid, 'SIGKILL');
    await old.exited;
    await sleep(RESTART_DOWN_MS);
    const tStart = Date.now();
    hub = await startHub(ports);
    const apiUpS = (Date.now() - tStart) / 1000;
    const a = sampleProc(hub.pid);
    let peak = a.rssBytes;
    const listsAtUp = listsByResource(await scrape());
    let back = false;
    let lastLog = Date.now();
    while (!back && Date.now() - tStart < TIMEOUT_MS && !hubDied) {
      await sleep(1000);
      peak = Math.max(peak, sampleProc(hub.pid).rssBytes);
      const m = await scrape().catch(() => '');
      const connected = metricSum(m, 'drover_nodes_connected');
      const ready = metricSum(m, 'drover_nodes', { ready: 'true' });
      back = connected >= NODES && ready >= NODES;
      if (Date.now() - lastLog > 5_000) {
        lastLog = Date.now();
        console.log(
          `     restart: ${Math.round((Date.now() - tStart) / 1000)} s: heard from ${connected}/${NODES}, Ready ${ready}, NotReady marks ${t.notReadyTransitions.length - notReadyBefore}; boards connected ${fleet?.counters().connected}, attempts shed ${metricSum(m, 'drover_mqtt_shed_connections')}, connecting ${metricSum(m, 'drover_mqtt_connecting')}`,
        );
      }
    }
    const backS = (Date.now() - tStart) / 1000;
    if (!back) {
      report.note(`restart: not every board back after ${Math.round(backS)} s`);
      restartWatches.delete(watch);
      return undefined;
    }
    await sleep(RESTART_HOLD_MS);
    const b = sampleProc(hub.pid);
    const after = await scrape();
    const listsAfter = listsByResource(after);
    restartWatches.delete(watch);
    const marks = t.notReadyTransitions.slice(notReadyBefore).map((m) => (m.at - tStart) / 1000);
    if (marks.length)
      console.log(
        `     restart: NotReady marks at ${fmt(Math.min(...marks))}..${fmt(Math.max(...marks))} s after the hub process started (${marks.length}); by cause (the hub's count): ${JSON.stringify(metricByLabel(after, 'drover_node_not_ready_marks_total', 'cause'))}`,
      );
    const r: RestartResult = {
      backS,
      apiUpS,
      notReady: t.notReadyTransitions.length - notReadyBefore,
      disturbance: d,
      listsAfterStart: Object.keys(listsAfter).reduce((n, k) => n + (listsAfter[k] - (listsAtUp[k] ?? 0)), 0),
      cpu: cpuPercent(a, b),
      peakRssMb: mb(Math.max(peak, b.rssBytes)),
    };
    console.log(
      `     restart: API up ${fmt(apiUpS)} s after the start, every board back after ${fmt(backS)} s; NotReady marks ${r.notReady}; pods ${d.summary()}; LISTs after start-up ${r.listsAfterStart}; hub ${fmt(r.cpu)}% CPU, ${fmt(r.peakRssMb)} MB peak`,
    );
    return r;
  }

  const template = (app: string) => ({
    metadata: { labels: { app } },
    spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
  });
  const deployment = (name: string, replicas: number) =>
    runCase(
      `Deployment ${name}`,
      name,
      replicas,
      () =>
        client.create<Deployment>('deployments', NS, {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name, namespace: NS },
          spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name) },
        }),
      () => client.delete('deployments', NS, name, { propagationPolicy: 'Background' }),
    );

  const label = `${NODES} boards, end to end (API -> controller -> scheduler -> MQTT -> board report)`;
  /** What one run measured; the rows are medians over the runs so far (--runs). */
  interface RunResult {
    dep?: CaseResult;
    restart?: RestartResult;
    ds?: CaseResult;
    sized: CaseResult[];
  }
  const runs: RunResult[] = [];
  /** The figure over the runs that measured it: the median and, over one run, each run's. */
  const over = <T>(pick: (r: RunResult) => T | undefined) => runs.map(pick).filter((v) => v !== undefined);
  const ofRuns = (values: number[], unit: string) =>
    values.length > 1
      ? `median of ${values.length} runs (runs: ${values.map((v) => `${fmt(v)}${unit}`).join(', ')}); `
      : '';
  /** The run whose value is the median (nearest rank), so its other figures go with it. */
  const medianOf = <T>(items: T[], value: (t: T) => number): T | undefined => {
    const m = median(items.map(value));
    return items.find((t) => value(t) === m);
  };
  const addCase = (title: string, results: CaseResult[], goalS: number) => {
    const r = medianOf(results, (c) => c.runningS);
    report.add(
      `${title}: all Running`,
      r?.runningS ?? Number.NaN,
      's',
      { ...ANCHOR_E2E, goal: `< ${goalS} s` },
      {
        ...(r ? { met: r.runningS < goalS } : {}),
        note: r
          ? `${ofRuns(
              results.map((c) => c.runningS),
              ' s',
            )}${fmt(r.pods / r.runningS)} pods/s; all bound after ${fmt(r.boundS)} s (${fmt(r.pods / r.boundS)} pods/s); ${fmt(r.writesPerPod)} store writes and ${fmt(r.commitsPerPod)} commits (fsyncs) per pod; ${label}`
          : 'did not finish',
      },
    );
    if (!r) return;
    const cpu = median(results.map((c) => c.hubCpu));
    const settle = results.map((c) => c.settleCpu);
    report.add(`${title}: hub CPU / peak RSS`, cpu, '% of a core', ANCHOR_E2E, {
      note: `${ofRuns(
        results.map((c) => c.hubCpu),
        '%',
      )}${fmt(median(results.map((c) => c.hubRssMb)))} MB peak RSS; ${fmt(median(settle))}% CPU in the ${SETTLE_MS / 1000} s after the last pod ran (goal < 30%${settle.length > 1 ? `; runs: ${settle.map((s) => `${fmt(s)}%`).join(', ')}` : ''})`,
      met: median(settle) < 30,
    });
  };
  /** All rows from the runs so far (rewritten after each case: a run cut short keeps its figures). */
  const addRows = () => {
    report.result.figures.splice(0);
    addCase(
      `Deployment of ${PODS} pods on ${NODES} boards, create to`,
      over((r) => r.dep),
      4,
    );
    if (RESTART) {
      const restarts = over((r) => r.restart);
      const worst = restarts.reduce<RestartResult | undefined>(
        (w, r) => (!w || r.notReady + r.disturbance.total() > w.notReady + w.disturbance.total() ? r : w),
        undefined,
      );
      const back = restarts.map((r) => r.backS);
      report.add(
        `hub kill -9 with ${NODES} boards and ${PODS} pods, ${RESTART_DOWN_MS / 1000} s down: boards marked NotReady`,
        worst?.notReady ?? Number.NaN,
        'boards',
        {
          anchor: "node-lifecycle's start-up grace: a controller restart is no reason to evict",
          goal: '0 NotReady, 0 pods evicted',
        },
        worst
          ? {
              met: restarts.every((r) => r.notReady === 0 && r.disturbance.total() === 0),
              note: `${restarts.length > 1 ? `the worst of ${restarts.length} restarts (NotReady: ${restarts.map((r) => r.notReady).join(', ')}); every board back (heard from and Ready) after a median ${fmt(median(back))} s (runs: ${back.map((b) => `${fmt(b)} s`).join(', ')})` : `every board back (heard from and Ready) ${fmt(worst.backS)} s`} after the hub process started (API up after ${fmt(worst.apiUpS)} s); pods: ${worst.disturbance.summary()}; LISTs after start-up: ${worst.listsAfterStart}; hub ${fmt(worst.cpu)}% of a core and ${fmt(worst.peakRssMb)} MB peak RSS until ${RESTART_HOLD_MS / 1000} s after`,
            }
          : { note: 'did not finish' },
      );
    }
    if (RESTART_ONLY) return;
    const dss = over((r) => r.ds);
    addCase(`DaemonSet on ${NODES} boards, create to`, dss, 30);
    const withMemory = dss.filter((c) => c.memory);
    const full = medianOf(withMemory, (c) => c.memory?.rssBytes ?? 0)?.memory;
    if (full)
      report.add(
        `hub RSS at ${NODES} boards with ${PODS + NODES} pods`,
        mb(full.rssBytes),
        'MB',
        { anchor: 'bare aedes, 10k clients: ~275 MB RSS', goal: '< 600 MB' },
        {
          met: mb(full.rssBytes) < 600,
          note: `${ofRuns(
            withMemory.map((c) => mb(c.memory?.rssBytes ?? 0)),
            ' MB',
          )}${describeMemory(idleMemory, { n: NODES, m: boardsMemory }, { n: PODS + NODES, m: full })}`,
        },
      );
    const sizedRuns = runs.filter((r) => r.sized.length > 0);
    if (sizedRuns.length) {
      // Per size, the median CPU per pod over the runs; the ratio of those medians.
      const sizes = [...new Set(sizedRuns.flatMap((r) => r.sized.map((c) => c.pods)))];
      const per = sizes.map((n) => {
        const cs = sizedRuns.flatMap((r) => r.sized.filter((c) => c.pods === n));
        return {
          n,
          ms: median(cs.map((c) => c.cpuMsPerPod)),
          rate: median(cs.map((c) => c.pods / c.runningS)),
        };
      });
      const costs = per.map((p) => p.ms);
      report.add(
        'hub CPU per pod across sizes (max/min)',
        Math.max(...costs) / Math.min(...costs),
        'x',
        { anchor: 'flat per-pod cost', goal: 'within 2x' },
        {
          met: Math.max(...costs) / Math.min(...costs) <= 2,
          note: `${sizedRuns.length > 1 ? `medians of ${sizedRuns.length} runs; ` : ''}${per
            .map((p) => `${p.n} pods: ${fmt(p.ms)} ms, ${fmt(p.rate)} pods/s`)
            .join('; ')}`,
        },
      );
    }
  };
  // Each figure is written as soon as its case ends: a run cut short keeps what it measured.
  const LOAD_NOTE = 'machine load so far: ';
  const dropLoadNote = () => {
    const keep = report.result.notes.filter((n) => !n.startsWith(LOAD_NOTE));
    report.result.notes.splice(0, report.result.notes.length, ...keep);
  };
  const checkpoint = () => {
    addRows();
    dropLoadNote();
    report.note(`${LOAD_NOTE}${load.describe()}`);
    report.write();
  };
  for (let i = 1; i <= RUNS && !hubDied; i++) {
    // Each run's workloads have names of their own: no run waits on the last one's garbage.
    const run = RUNS > 1 ? `-r${i}` : '';
    if (RUNS > 1) console.log(`   run ${i} of ${RUNS}`);
    const r: RunResult = { sized: [] };
    runs.push(r);
    const depCase = await deployment(`pods-a${run}`, PODS);
    r.dep = depCase.result;
    checkpoint();
    if (RESTART && r.dep) r.restart = await restartCase(`pods-a${run}`);
    checkpoint();
    if (RESTART_ONLY) {
      if (i < RUNS) await depCase.remove();
      continue;
    }
    // The DaemonSet beside the Deployment: the hub holds N boards and P + N pods at its end.
    const dsCase = await runCase(
      'DaemonSet',
      `pods-ds${run}`,
      NODES,
      () =>
        client.create<DaemonSet>('daemonsets', NS, {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          metadata: { name: `pods-ds${run}`, namespace: NS },
          spec: { selector: { matchLabels: { app: `pods-ds${run}` } }, template: template(`pods-ds${run}`) },
        }),
      () => client.delete('daemonsets', NS, `pods-ds${run}`, { propagationPolicy: 'Background' }),
      true,
    );
    r.ds = dsCase.result;
    checkpoint();
    await dsCase.remove();
    await depCase.remove();
    for (const [j, n] of SIZES.entries()) {
      if (n > NODES * PODS_PER_BOARD) {
        if (i === 1)
          report.note(`${n} pods skipped: more than ${PODS_PER_BOARD} per board on ${NODES} boards`);
        continue;
      }
      const c = await deployment(`pods-${n}${run}`, n);
      // The very last one goes with the hub (its deletion through the boards is not measured).
      if (j < SIZES.length - 1 || i < RUNS) await c.remove();
      if (c.result) r.sized.push(c.result);
    }
    checkpoint();
  }
  addRows();
  dropLoadNote();
  report.note(
    `hub and ${Math.ceil(NODES / PER_PROCESS)} simulator processes share the machine's ${report.result.machine.cpus} cores; not the decision-only scheduler figure; ${load.describe()}`,
  );
  report.write();
} finally {
  stopping = true;
  load.stop();
  pods?.stop();
  tracker?.stop();
  await fleet?.stop();
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
