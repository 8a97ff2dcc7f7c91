// Pods per second end to end at fleet scale (issue 21): one hub process and N hollow boards
// (bench/sim), then (a) one Deployment of P pods and (b) one DaemonSet on every board. Each
// pod takes the whole real path: API create -> ReplicaSet/DaemonSet controller -> scheduler ->
// bind -> the board's desired set over MQTT -> the board's report -> pod status -> owner
// status. Per case: time from the create to all pods bound and to all Running (as reported by
// the boards), the rates, hub CPU (% of one core) and peak RSS, and hub CPU in the 10 s after
// the last pod ran. Then Deployments of several sizes for the hub CPU cost per pod. Each
// workload is deleted before the next (the boards confirm the deletions).
// Unlike the scheduler-throughput figure (the scheduling decision alone, no API, no store),
// this is the path a pod really takes.
// Run alone: node dist/bench/fleet-pods.js [--nodes 10000] [--pods 2000] [--sizes 1000,5000,20000]
//   [--ramp 50] [--per-process 2500] [--timeout 10m] [--hub-prof DIR]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubApiClient } from './lib/hub-client.js';
import { Informer } from '../hub/informers/informer.js';
import type { DaemonSet, Deployment } from '../shared/api/apps.js';
import type { Pod } from '../shared/api/types.js';
import { createLogger } from '../shared/log.js';
import { BenchArgs } from './lib/args.js';
import { type HubChild, startHubChild } from './lib/hub-child.js';
import { NodeTracker } from './lib/node-tracker.js';
import { cpuPercent, sampleProc } from './lib/proc.js';
import { BenchReport } from './lib/report.js';
import { fmt } from './lib/stats.js';
import { type Fleet, startFleet } from './sim/fleet.js';

const args = new BenchArgs();
const NODES = args.number('nodes', 10_000);
const PODS = args.number('pods', 2_000);
const SIZES = args.numbers('sizes', [1_000, 5_000, 20_000]);
const RAMP = args.number('ramp', 50); // board joins started per second
const PER_PROCESS = args.number('per-process', 2_500);
const TIMEOUT_MS = args.durationMs('timeout', 10 * 60_000); // per case
const SETTLE_MS = 10_000; // hub CPU measured over this long after the last pod runs
/** Pods a hollow board takes (its machine reports pods: 110); larger sizes are skipped. */
const PODS_PER_BOARD = 100;
const HUB_PROF_DIR = args.has('hub-prof') ? args.string('hub-prof', '.') : undefined;
const NS = 'default';

const given = ['nodes', 'pods', 'sizes', 'ramp', 'timeout'].filter((k) => args.has(k));
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
  pods: number;
  boundS: number;
  runningS: number;
  hubCpu: number;
  hubRssMb: number;
  cpuMsPerPod: number;
  settleCpu: number;
}

const dataDir = mkdtempSync(join(tmpdir(), 'drover-bench-fleet-pods-'));
let hub: HubChild | undefined;
let fleet: Fleet | undefined;
let tracker: NodeTracker | undefined;
let pods: Informer<Pod> | undefined;
let hubDied = false;
let stopping = false;
try {
  hub = await startHubChild(
    { dataDir, apiPort: 0, mqttPort: 0, mqttHost: '127.0.0.1', logLevel: 'warn' },
    HUB_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${HUB_PROF_DIR}`] : [],
  );
  const h = hub;
  void h.exited.then((code) => {
    if (stopping) return;
    hubDied = true;
    report.note(`the hub process exited (code ${code}) during the run`);
  });
  const client = hubApiClient(dataDir);
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

  const watches = new Set<PodWatch>();
  pods = new Informer<Pod>(client, 'pods', createLogger('bench/pods', 40));
  pods.addHandler({
    onChange: (type, p) => {
      for (const w of watches) w.observe(type, p);
    },
  });
  await pods.start();

  /** Creates the workload, waits for `want` pods bound and Running, measures, deletes it. */
  async function runCase(
    what: string,
    app: string,
    want: number,
    create: () => Promise<unknown>,
    remove: () => Promise<unknown>,
  ): Promise<CaseResult | undefined> {
    const w = new PodWatch(app);
    watches.add(w);
    const a = sampleProc(h.pid);
    let peak = a.rssBytes;
    const start = Date.now();
    await create();
    let lastLog = start;
    while ((w.running.size < want || w.bound.size < want) && Date.now() - start < TIMEOUT_MS && !hubDied) {
      await sleep(200);
      peak = Math.max(peak, sampleProc(h.pid).rssBytes);
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        console.log(
          `     ${what}: ${Math.round((Date.now() - start) / 1000)} s: bound ${w.bound.size}/${want}, Running ${w.running.size}/${want}`,
        );
      }
    }
    const b = sampleProc(h.pid);
    const ok = w.running.size >= want && w.bound.size >= want;
    let result: CaseResult | undefined;
    if (ok) {
      await sleep(SETTLE_MS);
      const c = sampleProc(h.pid);
      result = {
        pods: want,
        boundS: (w.lastBoundAt - start) / 1000,
        runningS: (w.lastRunningAt - start) / 1000,
        hubCpu: cpuPercent(a, b),
        hubRssMb: mb(Math.max(peak, b.rssBytes)),
        cpuMsPerPod: (b.cpuMs - a.cpuMs) / want,
        settleCpu: cpuPercent(b, c),
      };
      console.log(
        `     ${what}: ${want} bound after ${fmt(result.boundS)} s, Running after ${fmt(result.runningS)} s (${fmt(want / result.runningS)} pods/s); hub ${fmt(result.hubCpu)}% CPU, ${fmt(result.hubRssMb)} MB; ${fmt(result.cpuMsPerPod)} CPU ms/pod; ${fmt(result.settleCpu)}% CPU in the ${SETTLE_MS / 1000} s after`,
      );
    } else
      report.note(
        `${what}: only ${w.bound.size} bound and ${w.running.size} Running of ${want} after ${Math.round((Date.now() - start) / 1000)} s`,
      );
    await remove();
    const gone = Date.now();
    while (w.bound.size > 0 && Date.now() - gone < TIMEOUT_MS && !hubDied) await sleep(500);
    if (w.bound.size > 0) report.note(`${what}: ${w.bound.size} pods still present after the delete`);
    watches.delete(w);
    return result;
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

  const dep = await deployment('pods-a', PODS);
  const ds = await runCase(
    'DaemonSet',
    'pods-ds',
    NODES,
    () =>
      client.create<DaemonSet>('daemonsets', NS, {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'pods-ds', namespace: NS },
        spec: { selector: { matchLabels: { app: 'pods-ds' } }, template: template('pods-ds') },
      }),
    () => client.delete('daemonsets', NS, 'pods-ds', { propagationPolicy: 'Background' }),
  );
  const sized: CaseResult[] = [];
  for (const n of SIZES) {
    if (n > NODES * PODS_PER_BOARD) {
      report.note(`${n} pods skipped: more than ${PODS_PER_BOARD} per board on ${NODES} boards`);
      continue;
    }
    const r = await deployment(`pods-${n}`, n);
    if (r) sized.push(r);
  }

  const label = `${NODES} boards, end to end (API -> controller -> scheduler -> MQTT -> board report)`;
  const add = (title: string, r: CaseResult | undefined, goalS: number) => {
    report.add(
      `${title}: all Running`,
      r?.runningS ?? Number.NaN,
      's',
      { ...ANCHOR_E2E, goal: `< ${goalS} s` },
      {
        ...(r ? { met: r.runningS < goalS } : {}),
        note: r
          ? `${fmt(r.pods / r.runningS)} pods/s; all bound after ${fmt(r.boundS)} s (${fmt(r.pods / r.boundS)} pods/s); ${label}`
          : 'did not finish',
      },
    );
    if (!r) return;
    report.add(`${title}: hub CPU / peak RSS`, r.hubCpu, '% of a core', ANCHOR_E2E, {
      note: `${fmt(r.hubRssMb)} MB peak RSS; ${fmt(r.settleCpu)}% CPU in the ${SETTLE_MS / 1000} s after the last pod ran (goal < 30%)`,
      met: r.settleCpu < 30,
    });
  };
  add(`Deployment of ${PODS} pods on ${NODES} boards, create to`, dep, 4);
  add(`DaemonSet on ${NODES} boards, create to`, ds, 30);
  if (sized.length) {
    const costs = sized.map((r) => r.cpuMsPerPod);
    report.add(
      'hub CPU per pod across sizes (max/min)',
      Math.max(...costs) / Math.min(...costs),
      'x',
      { anchor: 'flat per-pod cost', goal: 'within 2x' },
      {
        met: Math.max(...costs) / Math.min(...costs) <= 2,
        note: sized
          .map((r) => `${r.pods} pods: ${fmt(r.cpuMsPerPod)} ms, ${fmt(r.pods / r.runningS)} pods/s`)
          .join('; '),
      },
    );
  }
  report.note(
    `hub and ${Math.ceil(NODES / PER_PROCESS)} simulator processes share the machine's ${report.result.machine.cpus} cores; not the decision-only scheduler figure`,
  );
  report.write();
} finally {
  stopping = true;
  pods?.stop();
  tracker?.stop();
  await fleet?.stop();
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
