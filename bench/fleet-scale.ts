// Fleet scale (issue 5, benchmark 1): one hub process, hollow nodes added in steps (1k, 2.5k,
// 5k, 10k by default) with 10 s heartbeats. Per step: time until all show Ready through the
// API, join rate, hub CPU % and RSS over a quiet window. Then a hold at the largest step that
// came up, counting false NotReady (no node is meant to fail). Stops stepping when a step
// does not come up in time or the hub dies.
// Run alone: node dist/bench/fleet-scale.js [--steps 1000,2500,5000,10000] [--hold 10m]
//   [--window 30s] [--ramp 30] [--heartbeat 10s] [--per-process 2500] [--ready-timeout 15m]
//   [--hub-prof DIR]  (writes a .cpuprofile of the hub process into DIR)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDurationMs } from '../agent/duration.js';
import { HttpApiClient } from '../hub/api/http-client.js';
import { type Buckets, parseHistogram, quantileBetween } from './lib/prom-histogram.js';
import { ANCHORS } from './lib/anchors.js';
import { BenchArgs } from './lib/args.js';
import { type HubChild, startHubChild } from './lib/hub-child.js';
import { NodeTracker } from './lib/node-tracker.js';
import { cpuPercent, type ProcSample, sampleProc } from './lib/proc.js';
import { BenchReport } from './lib/report.js';
import { fmt, max, median } from './lib/stats.js';
import { type Fleet, startFleet } from './sim/fleet.js';

const args = new BenchArgs();
const STEPS = args.numbers('steps', [1000, 2500, 5000, 10_000]);
const HOLD_MS = args.durationMs('hold', 10 * 60_000); // issue 5: a 10-minute hold
const WINDOW_MS = args.durationMs('window', 30_000); // CPU/RSS window per step
const RAMP = args.number('ramp', 30); // joins started per second (the hub keeps up with ~29/s here)
const HEARTBEAT_MS = args.durationMs('heartbeat', 10_000);
const PER_PROCESS = args.number('per-process', 2500);
const READY_TIMEOUT_MS = args.durationMs('ready-timeout', 15 * 60_000); // per step
/** Directory for a CPU profile of the hub process (node --cpu-prof), written when it stops. */
const HUB_PROF_DIR = args.has('hub-prof') ? args.string('hub-prof', '.') : undefined;
const SAMPLE_EVERY_MS = 5_000;

const given = ['steps', 'hold', 'ramp', 'window', 'ready-timeout', 'heartbeat'].filter((k) => args.has(k));
const command = `npm run bench -- fleet${given.map((k) => ` --${k} ${args.string(k, '')}`).join('')}`;
const report = new BenchReport('fleet-scale', 'Fleet scale', command, {
  steps: STEPS,
  holdMs: HOLD_MS,
  windowMs: WINDOW_MS,
  rampPerSecond: RAMP,
  heartbeatMs: HEARTBEAT_MS,
  nodesPerProcess: PER_PROCESS,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => b / 2 ** 20;

interface StepResult {
  nodes: number;
  readyS: number;
  joinsPerS: number;
  hubCpu: number;
  hubRssMb: number;
  simCpu: number;
}

/** CPU % of one core and peak RSS of pid over ms, plus the simulator processes' CPU. */
/** The hub's heartbeat delay histogram, or undefined when /metrics does not answer. */
async function heartbeatBuckets(apiUrl: string): Promise<Buckets | undefined> {
  try {
    const text = await (await fetch(`${apiUrl}/metrics`)).text();
    const b = parseHistogram(text, 'drover_heartbeat_delay_seconds');
    return b.le.length ? b : undefined;
  } catch {
    return undefined;
  }
}

async function measureWindow(pid: number, simPids: number[], ms: number) {
  const a = sampleProc(pid);
  const simA = simPids.map((p) => sampleProc(p));
  let peak = a.rssBytes;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await sleep(Math.min(SAMPLE_EVERY_MS, end - Date.now()));
    peak = Math.max(peak, sampleProc(pid).rssBytes);
  }
  const b = sampleProc(pid);
  const simCpu = simPids.reduce((sum, p, i) => sum + cpuPercent(simA[i] as ProcSample, sampleProc(p)), 0);
  return { cpu: cpuPercent(a, b), rss: Math.max(peak, b.rssBytes), simCpu };
}

const dataDir = mkdtempSync(join(tmpdir(), 'drover-bench-fleet-'));
let hub: HubChild | undefined;
const fleets: Fleet[] = [];
let tracker: NodeTracker | undefined;
let stopping = false;
/** Name prefix of the step that did not come up (its nodes are stopped and not counted). */
let failedPrefix: string | undefined;
let hubDied = false;
try {
  hub = await startHubChild(
    {
      dataDir,
      apiPort: 0,
      mqttPort: 0,
      mqttHost: '127.0.0.1',
      heartbeatIntervalMs: HEARTBEAT_MS,
      logLevel: 'warn',
    },
    HUB_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${HUB_PROF_DIR}`] : [],
  );
  const h = hub;
  void h.exited.then((code) => {
    if (stopping) return;
    hubDied = true;
    report.note(`the hub process exited (code ${code}) during the run`);
  });
  tracker = new NodeTracker(new HttpApiClient(h.api), (n) => n.startsWith('hollow-'));
  await tracker.start();
  const t = tracker;
  const steps: StepResult[] = [];
  let current = 0;
  for (const [i, target] of STEPS.entries()) {
    const add = target - current;
    if (add <= 0) continue;
    console.log(`   step ${i + 1}: ${current} -> ${target} nodes (ramp ${RAMP}/s)`);
    const t0 = Date.now();
    const fleet = await startFleet({
      hubUrl: h.mqtt,
      token: h.token,
      nodes: add,
      namePrefix: `hollow-${i}-`,
      nodesPerProcess: PER_PROCESS,
      heartbeatIntervalMs: HEARTBEAT_MS,
      rampPerSecond: RAMP,
    });
    fleets.push(fleet);
    let joinedAt = 0;
    let lastLog = 0;
    const deadline = t0 + READY_TIMEOUT_MS;
    while (t.readyCount() < target && Date.now() < deadline && !hubDied) {
      await sleep(500);
      const c = fleet.counters();
      if (!joinedAt && c.joined >= add) joinedAt = Date.now();
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        console.log(
          `     ${Math.round((Date.now() - t0) / 1000)} s: joined ${c.joined}/${add}, connected ${c.connected}, Ready ${t.readyCount()}/${target}, join errors ${c.joinErrors}${c.firstError ? ` (${c.firstError})` : ''}`,
        );
      }
    }
    const ready = t.readyCount();
    if (ready < target) {
      // Take the failed step's nodes away, so the hold measures the fleet that did come up.
      failedPrefix = `hollow-${i}-`;
      await fleets.pop()?.stop();
      report.note(
        `step to ${target} nodes did not come up: ${ready} Ready after ${Math.round((Date.now() - t0) / 1000)} s${hubDied ? ' (hub died)' : ''}; first simulator error: ${fleet.counters().firstError ?? 'none'}`,
      );
      break;
    }
    const readyS = (Date.now() - t0) / 1000;
    joinedAt ||= Date.now();
    current = target;
    const w = await measureWindow(
      h.pid,
      fleets.flatMap((f) => f.pids),
      WINDOW_MS,
    );
    const step: StepResult = {
      nodes: target,
      readyS,
      joinsPerS: add / ((joinedAt - t0) / 1000),
      hubCpu: w.cpu,
      hubRssMb: mb(w.rss),
      simCpu: w.simCpu,
    };
    steps.push(step);
    console.log(
      `     ${target} nodes: all Ready after ${fmt(readyS)} s (${fmt(step.joinsPerS)} joins/s); hub ${fmt(w.cpu)}% CPU, ${fmt(step.hubRssMb)} MB RSS; simulator ${fmt(w.simCpu)}% CPU`,
    );
  }

  const last = steps[steps.length - 1];
  let held = 0;
  let holdCpu = Number.NaN;
  let holdRss = Number.NaN;
  let falseNotReady = Number.NaN;
  let hbP50 = Number.NaN;
  let hbP99 = Number.NaN;
  let hbCount = 0;
  if (last && HOLD_MS > 0 && !hubDied) {
    console.log(`   hold: ${last.nodes} nodes for ${HOLD_MS / 1000} s`);
    if (failedPrefix)
      report.note(
        `the hold began right after the nodes of the step that did not come up were stopped: its CPU includes the hub working off their queued joins and last wills`,
      );
    const counted = (n: string) => !failedPrefix || !n.startsWith(failedPrefix);
    const before = t.notReadyTransitions.filter((x) => counted(x.node)).length;
    const rss: number[] = [];
    const hbBefore = await heartbeatBuckets(h.api);
    const a = sampleProc(h.pid);
    const end = Date.now() + HOLD_MS;
    while (Date.now() < end && !hubDied) {
      await sleep(Math.min(SAMPLE_EVERY_MS, end - Date.now()));
      if (!hubDied) rss.push(sampleProc(h.pid).rssBytes);
    }
    if (!hubDied) {
      holdCpu = cpuPercent(a, sampleProc(h.pid));
      holdRss = mb(max(rss));
      falseNotReady = t.notReadyTransitions.filter((x) => counted(x.node)).length - before;
      held = t.readyCount(counted) === last.nodes ? last.nodes : 0;
      const hbAfter = await heartbeatBuckets(h.api);
      if (hbBefore && hbAfter) {
        hbP50 = quantileBetween(0.5, hbBefore, hbAfter) * 1000;
        hbP99 = quantileBetween(0.99, hbBefore, hbAfter) * 1000;
        hbCount = (hbAfter.counts.at(-1) ?? 0) - (hbBefore.counts.at(-1) ?? 0);
      }
      console.log(
        `     hold done: ${falseNotReady} false NotReady, hub ${fmt(holdCpu)}% CPU, RSS max ${fmt(holdRss)} MB (median ${fmt(mb(median(rss)))} MB)`,
      );
    }
  } else if (last) held = last.nodes;

  report.add('largest fleet held (all Ready)', held, 'nodes', ANCHORS.fleetNodes, { met: held >= 10_000 });
  for (const s of steps) {
    report.add(`hub CPU at ${s.nodes} nodes`, s.hubCpu, '% of a core', ANCHORS.fleetCpu, {
      met: s.hubCpu <= 50,
      note: `simulator processes ${fmt(s.simCpu)}% on the same 2 cores`,
    });
    report.add(`hub RSS at ${s.nodes} nodes`, s.hubRssMb, 'MB', ANCHORS.fleetRss);
    report.add(`time until all ${s.nodes} Ready`, s.readyS, 's', ANCHORS.fleetReadyTime, {
      note: `${fmt(s.joinsPerS)} joins/s at a ${RAMP}/s ramp`,
    });
  }
  if (Number.isFinite(falseNotReady)) {
    report.add(
      `false NotReady over a ${formatDurationMs(HOLD_MS)} hold at ${last?.nodes} nodes`,
      falseNotReady,
      'nodes',
      ANCHORS.fleetNotReady,
      {
        met: falseNotReady === 0,
        note: `hub ${fmt(holdCpu)}% CPU, RSS max ${fmt(holdRss)} MB during the hold`,
      },
    );
  }
  // From the hub's drover_heartbeat_delay_seconds histogram (agent send -> lease recorded),
  // the difference between scrapes before and after the hold; simulator and hub share a clock.
  report.add('heartbeat processing latency p50', hbP50, 'ms', ANCHORS.heartbeatLatency, {
    note: `${hbCount} heartbeats during the hold at ${last?.nodes} nodes; estimated from histogram buckets`,
  });
  report.add('heartbeat processing latency p99', hbP99, 'ms', ANCHORS.heartbeatLatency, {
    note: `agent send -> lease recorded by the hub, from the hub's /metrics histogram`,
  });
  report.note(
    `hub and simulator share the machine's ${report.result.machine.cpus} cores; simulator in processes of ${PER_PROCESS} MQTT connections`,
  );
  report.write();
} finally {
  stopping = true;
  tracker?.stop();
  await Promise.all(fleets.map((f) => f.stop()));
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
