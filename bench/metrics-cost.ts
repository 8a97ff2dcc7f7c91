// The agent's extra CPU for usage metrics (#11, "Done when"): two real agents side by side on
// one hub and the real Docker engine, each with the same 5 pods (1 httpd, 4 sleep); one samples
// usage at the default interval (one container list and one stats call per container, then a
// report over MQTT), the other at an interval longer than the run (its one sample at start-up is
// before the measured window). Each agent's CPU (all its threads' run time in ns from
// /proc/<pid>/task/*/schedstat; utime+stime's 10 ms ticks are too coarse for this) is taken per
// window of two sampling intervals; the figure is the median over windows of the difference, in
// the same run. dockerd's own work for the stats calls is not counted (one engine serves both agents).
// Run: npm run bench -- metrics-cost [--duration 5m] [--pods 5] [--interval 15s]

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeReadyWatch } from './lib/agent-node-watch.js';
import { benchPod, removeNodeContainers, waitPodsRunning } from './lib/agent-pods.js';
import { type BenchProc, startAgentProc, startHubProc } from './lib/agent-procs.js';
import { ANCHORS } from './lib/anchors.js';
import { BenchArgs } from './lib/args.js';
import { hubApiClient } from './lib/hub-client.js';
import { MachineLoad } from './lib/machine-load.js';
import { cpuNs } from './lib/proc.js';
import { BenchReport } from './lib/report.js';
import { fmt, median } from './lib/stats.js';

const args = new BenchArgs();
const DURATION_MS = args.durationMs('duration', 5 * 60_000); // measured window
const SETTLE_MS = args.durationMs('settle', 20_000); // after all pods Running
const PODS = args.number('pods', 5); // per agent
const INTERVAL_MS = args.durationMs('interval', 15_000); // the agent's default --metrics-interval
/** "Off": longer than any run, so the start-up sample is the only one. */
const OFF_INTERVAL = '24h';
/** Two sampling rounds per window: a round never straddles the edge of every window. */
const WINDOW_MS = 2 * INTERVAL_MS;
const READY_TIMEOUT_MS = 60_000;
const RUNNING_TIMEOUT_MS = 120_000;

interface Side {
  name: string;
  node: string;
  interval: string;
  proc?: BenchProc;
  windows: number[];
}

const report = new BenchReport('metrics-cost', 'Agent metrics cost', 'npm run bench -- metrics-cost', {
  durationMs: DURATION_MS,
  podsPerAgent: PODS,
  metricsIntervalMs: INTERVAL_MS,
});
const load = new MachineLoad();
const sides: Side[] = [
  { name: 'on', node: 'mc-on', interval: `${INTERVAL_MS}ms`, windows: [] },
  { name: 'off', node: 'mc-off', interval: OFF_INTERVAL, windows: [] },
];

const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-metrics-'));
const hub = await startHubProc(join(tmp, 'hub'));
const client = hubApiClient(hub.dataDir);
const watch = new NodeReadyWatch(client);
await watch.start();
try {
  for (const s of sides) {
    const dataDir = join(tmp, s.name);
    mkdirSync(dataDir);
    s.proc = startAgentProc({
      mqtt: hub.mqtt,
      token: hub.token,
      caHash: hub.caHash,
      name: s.node,
      dataDir,
      args: ['--metrics-interval', s.interval],
    });
  }
  for (const s of sides)
    await watch.waitFor(s.node, true, READY_TIMEOUT_MS).catch((e: Error) => {
      throw new Error(`${e.message}\nagent output:\n${s.proc?.output()}`);
    });
  const podNames: string[] = [];
  for (const s of sides)
    for (let i = 0; i < PODS; i++) {
      const name = `${s.node}-${i}`;
      podNames.push(name);
      await client.create('pods', 'default', benchPod(name, i === 0 ? 'httpd' : 'sleep', s.node));
    }
  await waitPodsRunning(client, podNames, RUNNING_TIMEOUT_MS);
  console.log(
    `   ${PODS} pods Running per agent; settling ${SETTLE_MS / 1000} s, then ${DURATION_MS / 1000} s`,
  );
  await new Promise((r) => setTimeout(r, SETTLE_MS));

  const end = Date.now() + DURATION_MS;
  const cpu = () => ({ at: Date.now(), ns: sides.map((s) => cpuNs(s.proc?.pid ?? 0)) });
  const first = cpu();
  let prev = first;
  while (Date.now() + WINDOW_MS <= end) {
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const now = cpu();
    for (const [i, s] of sides.entries()) s.windows.push((now.ns[i] - prev.ns[i]) / 1e4 / (now.at - prev.at));
    prev = now;
  }
  for (const s of sides)
    if (!s.proc?.running()) throw new Error(`agent ${s.node} exited early:\n${s.proc?.output()}`);
  // The whole window at once, as a cross-check of the median.
  const whole = sides.map((_, i) => (prev.ns[i] - first.ns[i]) / 1e4 / (prev.at - first.at));

  const [on, off] = sides;
  const diffs = on.windows.map((v, i) => v - off.windows[i]);
  const extra = median(diffs);
  const perRoundMs = (extra / 100) * INTERVAL_MS;
  report.add(
    `extra CPU for metrics, ${PODS} pods, every ${INTERVAL_MS / 1000} s`,
    extra,
    '% of a core',
    ANCHORS.metricsCost,
    {
      note: `median over ${diffs.length} windows of ${WINDOW_MS / 1000} s of (sampling agent - agent not sampling); sampling ${fmt(median(on.windows))}%, not sampling ${fmt(median(off.windows))}% (medians); over the whole ${Math.round((prev.at - first.at) / 1000)} s ${fmt(whole[0] - whole[1])}% (${fmt(whole[0])}% vs ${fmt(whole[1])}%); about ${fmt(perRoundMs)} ms of CPU per sampling round (${PODS} pods: 1 list + ${PODS} stats calls + 1 MQTT report)`,
    },
  );
  report.note(
    `two agents side by side (plain build), ${PODS} pods each (1 httpd, ${PODS - 1} sleep), one with --metrics-interval ${INTERVAL_MS / 1000}s and one with ${OFF_INTERVAL} (off); the agent process only, dockerd's stats work is not counted; machine during the run: ${load.describe()}`,
  );
  report.write();
} finally {
  watch.stop();
  await Promise.all(sides.map((s) => s.proc?.stop()));
  load.stop();
  await hub.stop();
  await Promise.all(sides.map((s) => removeNodeContainers(s.node)));
  rmSync(tmp, { recursive: true, force: true });
}
