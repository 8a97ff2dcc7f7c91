// Fleet scale (issue 5, benchmark 1): one hub process, hollow nodes added in steps (1k, 2.5k,
// 5k, 10k by default) with 10 s heartbeats. Per step: time until all show Ready through the
// API, join rate, hub CPU % and RSS over a quiet window. Then a hold at the largest step that
// came up, counting false NotReady (no node is meant to fail). Stops stepping when a step
// does not come up in time or the hub dies.
// --transport tls (default: boards on MQTTS, as deployed), plain (the hub's plain listener), or
// both: the whole run once per transport, each on a fresh hub, rows side by side (the cost of TLS).
// Run alone: node dist/bench/fleet-scale.js [--steps 1000,2500,5000,10000] [--hold 10m]
//   [--window 30s] [--ramp 30] [--heartbeat 10s] [--per-process 2500] [--ready-timeout 15m]
//   [--transport tls|plain|both] [--hub-prof DIR]  (writes a .cpuprofile of the hub process into DIR)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDurationMs } from '../agent/duration.js';
import { hubApiClient, hubFetch } from './lib/hub-client.js';
import { type Buckets, parseHistogram, quantileBetween } from './lib/prom-histogram.js';
import { ANCHORS } from './lib/anchors.js';
import { BenchArgs } from './lib/args.js';
import { type HubChild, startHubChild } from './lib/hub-child.js';
import { NodeTracker } from './lib/node-tracker.js';
import { cpuPercent, type ProcSample, sampleProc } from './lib/proc.js';
import { BenchReport } from './lib/report.js';
import { fmt, max, median, ratio } from './lib/stats.js';
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
type Transport = 'tls' | 'plain';
const TRANSPORT_ARG = args.string('transport', 'tls');
if (!['tls', 'plain', 'both'].includes(TRANSPORT_ARG))
  throw new Error('--transport must be tls, plain or both');
const TRANSPORTS: Transport[] = TRANSPORT_ARG === 'both' ? ['tls', 'plain'] : [TRANSPORT_ARG as Transport];
const TRANSPORT_LABEL: Record<Transport, string> = { tls: 'MQTTS', plain: 'plain MQTT' };

const given = ['steps', 'hold', 'ramp', 'window', 'ready-timeout', 'heartbeat', 'transport'].filter((k) =>
  args.has(k),
);
const command = `npm run bench -- fleet-scale${given.map((k) => ` --${k} ${args.string(k, '')}`).join('')}`;
// The MQTTS-vs-plain comparison is its own result (and README rows), beside the fleet-scale run.
const report = new BenchReport(
  TRANSPORTS.length > 1 ? 'fleet-scale-tls' : 'fleet-scale',
  TRANSPORTS.length > 1 ? 'Fleet scale: MQTTS vs plain MQTT' : 'Fleet scale',
  command,
  {
    steps: STEPS,
    holdMs: HOLD_MS,
    windowMs: WINDOW_MS,
    rampPerSecond: RAMP,
    heartbeatMs: HEARTBEAT_MS,
    nodesPerProcess: PER_PROCESS,
    transports: TRANSPORTS,
  },
);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => b / 2 ** 20;

interface StepResult {
  nodes: number;
  readyS: number;
  joinsPerS: number;
  /** Median of the window's 5 s CPU samples, % of one core. */
  hubCpu: number;
  /** Peak RSS over the window, MB. */
  hubRssMb: number;
  /** Median RSS over the window's samples, MB. */
  hubRssMedianMb: number;
  simCpu: number;
}

/** The hub's heartbeat delay histogram, or undefined when /metrics does not answer. */
async function heartbeatBuckets(apiUrl: string, dataDir: string): Promise<Buckets | undefined> {
  try {
    const text = await (await hubFetch(dataDir)(`${apiUrl}/metrics`)).text();
    const b = parseHistogram(text, 'drover_heartbeat_delay_seconds');
    return b.le.length ? b : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The hub's CPU (% of one core) as the median of 5 s intervals, its RSS (peak and median of the
 * samples) over ms, and the simulator processes' CPU over the whole window.
 */
async function measureWindow(pid: number, simPids: number[], ms: number) {
  let prev = sampleProc(pid);
  const simA = simPids.map((p) => sampleProc(p));
  const cpu: number[] = [];
  const rss: number[] = [prev.rssBytes];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await sleep(Math.min(SAMPLE_EVERY_MS, end - Date.now()));
    const cur = sampleProc(pid);
    cpu.push(cpuPercent(prev, cur));
    rss.push(cur.rssBytes);
    prev = cur;
  }
  const simCpu = simPids.reduce((sum, p, i) => sum + cpuPercent(simA[i] as ProcSample, sampleProc(p)), 0);
  return { cpu: median(cpu), rss: max(rss), rssMedian: median(rss), simCpu };
}

/** What one transport's run measured (NaN where it did not get that far). */
interface RunResult {
  steps: StepResult[];
  held: number;
  holdCpu: number;
  holdRss: number;
  falseNotReady: number;
  hbP50: number;
  hbP99: number;
  hbCount: number;
}

const fleets: Fleet[] = [];
let hub: HubChild | undefined;
let tracker: NodeTracker | undefined;
let stopping = false;

/** Starts a hub, steps the fleet up over `transport`, holds, and stops everything again. */
async function runTransport(transport: Transport): Promise<RunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'drover-bench-fleet-'));
  const tag = TRANSPORT_LABEL[transport];
  /** Name prefix of the step that did not come up (its nodes are stopped and not counted). */
  let failedPrefix: string | undefined;
  let hubDied = false;
  stopping = false;
  const r: RunResult = {
    steps: [],
    held: 0,
    holdCpu: Number.NaN,
    holdRss: Number.NaN,
    falseNotReady: Number.NaN,
    hbP50: Number.NaN,
    hbP99: Number.NaN,
    hbCount: 0,
  };
  try {
    hub = await startHubChild(
      {
        dataDir,
        apiPort: 0,
        mqttPort: 0,
        mqttHost: '127.0.0.1',
        ...(transport === 'plain' ? { mqttPlainPort: 0 } : {}),
        heartbeatIntervalMs: HEARTBEAT_MS,
        logLevel: 'warn',
      },
      HUB_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${HUB_PROF_DIR}`] : [],
    );
    const h = hub;
    void h.exited.then((code) => {
      if (stopping) return;
      hubDied = true;
      report.note(`${tag}: the hub process exited (code ${code}) during the run`);
    });
    const boards = transport === 'plain' ? { hubUrl: h.mqttPlain ?? '' } : { hubUrl: h.mqtt, caPem: h.caPem };
    console.log(`   transport ${tag}: boards connect to ${boards.hubUrl}`);
    tracker = new NodeTracker(hubApiClient(dataDir), (n) => n.startsWith('hollow-'));
    await tracker.start();
    const t = tracker;
    const steps = r.steps;
    let current = 0;
    for (const [i, target] of STEPS.entries()) {
      const add = target - current;
      if (add <= 0) continue;
      console.log(`   step ${i + 1}: ${current} -> ${target} nodes (ramp ${RAMP}/s)`);
      const t0 = Date.now();
      const fleet = await startFleet({
        ...boards,
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
          `${tag}: step to ${target} nodes did not come up: ${ready} Ready after ${Math.round((Date.now() - t0) / 1000)} s${hubDied ? ' (hub died)' : ''}; first simulator error: ${fleet.counters().firstError ?? 'none'}`,
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
        hubRssMedianMb: mb(w.rssMedian),
        simCpu: w.simCpu,
      };
      steps.push(step);
      console.log(
        `     ${target} nodes: all Ready after ${fmt(readyS)} s (${fmt(step.joinsPerS)} joins/s); hub ${fmt(w.cpu)}% CPU, ${fmt(step.hubRssMb)} MB RSS; simulator ${fmt(w.simCpu)}% CPU`,
      );
    }

    const last = steps[steps.length - 1];
    if (last && HOLD_MS > 0 && !hubDied) {
      console.log(`   hold: ${last.nodes} nodes for ${HOLD_MS / 1000} s`);
      if (failedPrefix)
        report.note(
          `${tag}: the hold began right after the nodes of the step that did not come up were stopped: its CPU includes the hub working off their queued joins and last wills`,
        );
      const counted = (n: string) => !failedPrefix || !n.startsWith(failedPrefix);
      const before = t.notReadyTransitions.filter((x) => counted(x.node)).length;
      const rss: number[] = [];
      const hbBefore = await heartbeatBuckets(h.api, dataDir);
      const a = sampleProc(h.pid);
      const end = Date.now() + HOLD_MS;
      while (Date.now() < end && !hubDied) {
        await sleep(Math.min(SAMPLE_EVERY_MS, end - Date.now()));
        if (!hubDied) rss.push(sampleProc(h.pid).rssBytes);
      }
      if (!hubDied) {
        r.holdCpu = cpuPercent(a, sampleProc(h.pid));
        r.holdRss = mb(max(rss));
        r.falseNotReady = t.notReadyTransitions.filter((x) => counted(x.node)).length - before;
        r.held = t.readyCount(counted) === last.nodes ? last.nodes : 0;
        const hbAfter = await heartbeatBuckets(h.api, dataDir);
        if (hbBefore && hbAfter) {
          r.hbP50 = quantileBetween(0.5, hbBefore, hbAfter) * 1000;
          r.hbP99 = quantileBetween(0.99, hbBefore, hbAfter) * 1000;
          r.hbCount = (hbAfter.counts.at(-1) ?? 0) - (hbBefore.counts.at(-1) ?? 0);
        }
        console.log(
          `     hold done: ${r.falseNotReady} false NotReady, hub ${fmt(r.holdCpu)}% CPU, RSS max ${fmt(r.holdRss)} MB (median ${fmt(mb(median(rss)))} MB)`,
        );
      }
    } else if (last) r.held = last.nodes;
    return r;
  } finally {
    stopping = true;
    tracker?.stop();
    await Promise.all(fleets.splice(0).map((f) => f.stop()));
    await hub?.stop();
    hub = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results = new Map<Transport, RunResult>();
for (const transport of TRANSPORTS) results.set(transport, await runTransport(transport));
// One transport: the rows as before; both: each row names its transport, MQTTS first.
const named = (label: string, transport: Transport) =>
  TRANSPORTS.length > 1 ? `${label} (${TRANSPORT_LABEL[transport]})` : label;
for (const [transport, r] of results) {
  const n = (label: string) => named(label, transport);
  const last = r.steps[r.steps.length - 1];
  report.add(n('largest fleet held (all Ready)'), r.held, 'nodes', ANCHORS.fleetNodes, {
    met: r.held >= 10_000,
  });
  for (const st of r.steps) {
    report.add(n(`hub CPU at ${st.nodes} nodes`), st.hubCpu, '% of a core', ANCHORS.fleetCpu, {
      met: st.hubCpu <= 50,
      note: `median of 5 s samples over ${formatDurationMs(WINDOW_MS)}; simulator processes ${fmt(st.simCpu)}% on the same 2 cores`,
    });
    report.add(n(`hub RSS at ${st.nodes} nodes`), st.hubRssMb, 'MB', ANCHORS.fleetRss, {
      note: `peak; median ${fmt(st.hubRssMedianMb)} MB`,
    });
    report.add(n(`time until all ${st.nodes} Ready`), st.readyS, 's', ANCHORS.fleetReadyTime, {
      note: `${fmt(st.joinsPerS)} joins/s at a ${RAMP}/s ramp`,
    });
  }
  if (Number.isFinite(r.falseNotReady)) {
    report.add(
      n(`false NotReady over a ${formatDurationMs(HOLD_MS)} hold at ${last?.nodes} nodes`),
      r.falseNotReady,
      'nodes',
      ANCHORS.fleetNotReady,
      {
        met: r.falseNotReady === 0,
        note: `hub ${fmt(r.holdCpu)}% CPU, RSS max ${fmt(r.holdRss)} MB during the hold`,
      },
    );
  }
  // From the hub's drover_heartbeat_delay_seconds histogram (agent send -> lease recorded),
  // the difference between scrapes before and after the hold; simulator and hub share a clock.
  if (HOLD_MS > 0) {
    report.add(n('heartbeat processing latency p50'), r.hbP50, 'ms', ANCHORS.heartbeatLatency, {
      note: `${r.hbCount} heartbeats during the hold at ${last?.nodes} nodes; estimated from histogram buckets`,
    });
    report.add(n('heartbeat processing latency p99'), r.hbP99, 'ms', ANCHORS.heartbeatLatency, {
      note: `agent send -> lease recorded by the hub, from the hub's /metrics histogram`,
    });
  }
}
const [tlsRun, plainRun] = [results.get('tls'), results.get('plain')];
if (tlsRun && plainRun) {
  for (const st of tlsRun.steps) {
    const p = plainRun.steps.find((x) => x.nodes === st.nodes);
    if (!p) continue;
    report.note(
      `TLS cost at ${st.nodes} boards: hub ${fmt(st.hubCpu)}% vs ${fmt(p.hubCpu)}% CPU (medians), ${fmt(st.hubRssMb)} vs ${fmt(p.hubRssMb)} MB RSS, all Ready after ${fmt(st.readyS)} vs ${fmt(p.readyS)} s (MQTTS vs plain)`,
    );
    // The ratios are the signal on a shared machine: both runs met the same load in one sitting.
    const ratios: [string, number, number][] = [
      ['hub CPU', st.hubCpu, p.hubCpu],
      ['hub RSS', st.hubRssMb, p.hubRssMb],
      ['time until all Ready', st.readyS, p.readyS],
    ];
    for (const [what, tls, plain] of ratios)
      report.add(`${what} MQTTS / plain at ${st.nodes} nodes`, ratio(tls, plain), 'x', ANCHORS.tlsCost, {
        note: `${fmt(tls)} vs ${fmt(plain)}`,
      });
  }
}
report.note(
  `hub and simulator share the machine's ${report.result.machine.cpus} cores; simulator in processes of ${PER_PROCESS} MQTT connections`,
);
report.write();
