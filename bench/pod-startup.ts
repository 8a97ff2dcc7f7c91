// Pod startup latency (issue 5, benchmark 3): apply -> Running as a watch on pods sees it, real
// hub and 3 real agents (`node dist/agent/main.js`) on the real Docker engine, image present
// (drover-test/busybox:1, never pulled), 30 pods bound by the scheduler. Two passes:
//   paced  pods created at each of --rates per second (the shape of Kubernetes' density test)
//   burst  all pods created at once
// Latency = time the watch saw phase Running - time just before the POST; split into
// apply -> bound (scheduler) and bound -> Running (MQTT desired state + agent + Docker). Before
// each pass, Docker alone creates and starts the same containers with the same pacing through
// its socket: the engine's share (on this machine one dockerd serves all 3 agents).
// Run alone: node dist/bench/pod-startup.js [--pods 30] [--agents 3] [--rates 1,5]

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpApiClient } from '../hub/api/http-client.js';
import { dockerStartLatencies } from './lib/agent-docker-baseline.js';
import { NodeReadyWatch } from './lib/agent-node-watch.js';
import { PodWatch } from './lib/agent-pod-watch.js';
import { BENCH_NAMESPACE, benchPod, removeNodeContainers } from './lib/agent-pods.js';
import { type BenchProc, startAgentProc, startHubProc } from './lib/agent-procs.js';
import { ANCHORS } from './lib/anchors.js';
import { BenchArgs } from './lib/args.js';
import { BenchReport } from './lib/report.js';
import { fmt, summarize } from './lib/stats.js';

const args = new BenchArgs();
const PODS = args.number('pods', 30);
const AGENTS = args.number('agents', 3);
const RATES = args.numbers('rates', [1, 5]); // pods created per second, one paced pass each
const READY_TIMEOUT_MS = 60_000;
const RUNNING_TIMEOUT_MS = args.durationMs('timeout', 120_000); // per pass
const GONE_TIMEOUT_MS = 120_000; // for the paced pass's pods to be deleted before the burst
const GOAL_P99_MS = 1500;

const report = new BenchReport('pod-startup', 'Pod startup latency', 'npm run bench -- pod-startup', {
  pods: PODS,
  agents: AGENTS,
  pacedRatesPerS: RATES,
});

const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-pods-'));
const hub = await startHubProc(join(tmp, 'hub'));
const client = new HttpApiClient(hub.api);
const nodes = new NodeReadyWatch(client);
await nodes.start();
const podWatch = new PodWatch(client, BENCH_NAMESPACE, 'app=drover-bench');
await podWatch.start();
const agents: { name: string; proc: BenchProc }[] = [];
/** Agent log `... agent N: desired state received revision=R pods=K`: when each node got a new set. */
const DESIRED_LOG = /^(\S+) .*agent (\S+): desired state received /;
const desiredAt = new Map<string, number[]>();

interface Pass {
  label: string;
  /** Docker alone, same shape: create + start latencies. */
  docker: number[];
  lat: number[];
  bind: number[];
  /** apply -> the first desired state the pod's agent received after the apply (approximate). */
  desired: number[];
  run: number[];
  perNode: Map<string, number>;
}

/** Creates the pods (paced at ratePerS, or all at once for 0) and waits until all are Running. */
async function pass(label: string, prefix: string, ratePerS: number): Promise<Pass> {
  const docker = await dockerStartLatencies(PODS, ratePerS);
  const names = Array.from({ length: PODS }, (_, i) => `${prefix}-${i}`);
  const created = new Map<string, number>();
  const t0 = Date.now();
  await Promise.all(
    names.map(async (name, i) => {
      if (ratePerS > 0) await new Promise((r) => setTimeout(r, t0 + (i * 1000) / ratePerS - Date.now()));
      created.set(name, Date.now());
      await client.create('pods', BENCH_NAMESPACE, benchPod(name, 'sleep'));
    }),
  );
  await podWatch.waitAll(names, (t) => t.runningAt !== undefined, 'Running', RUNNING_TIMEOUT_MS);
  const p: Pass = { label, docker, lat: [], bind: [], desired: [], run: [], perNode: new Map() };
  for (const n of names) {
    const t = podWatch.times.get(n);
    const c = created.get(n);
    if (!t?.runningAt || c === undefined) continue;
    p.lat.push(t.runningAt - c);
    if (t.boundAt !== undefined) {
      p.bind.push(t.boundAt - c);
      p.run.push(t.runningAt - t.boundAt);
    }
    if (t.node) {
      p.perNode.set(t.node, (p.perNode.get(t.node) ?? 0) + 1);
      // Log times have ms resolution; a set received before the pod was bound cannot hold it.
      const got = (desiredAt.get(t.node) ?? []).find((at) => at >= (t.boundAt ?? c) - 50);
      if (got !== undefined) p.desired.push(got - c);
    }
  }
  return p;
}

function record(p: Pass): void {
  const s = summarize(p.lat);
  const b = summarize(p.bind);
  const r = summarize(p.run);
  const d = summarize(p.docker);
  const ds = summarize(p.desired);
  const spread = [...p.perNode].map(([n, c]) => `${n} ${c}`).join(', ');
  report.add(
    `Docker alone create+start p99, ${p.label}`,
    d.p99,
    'ms',
    { anchor: 'the engine on this machine, same pacing, one dockerd for all agents', goal: '' },
    { note: `p50 ${fmt(d.p50)} ms` },
  );
  report.add(`apply -> Running p50, ${p.label}`, s.p50, 'ms', ANCHORS.podStartup, {
    met: s.p50 <= GOAL_P99_MS,
  });
  report.add(`apply -> Running p99, ${p.label}`, s.p99, 'ms', ANCHORS.podStartup, {
    met: s.p99 <= GOAL_P99_MS,
    note: `max ${fmt(s.max)} ms; Docker alone (create+start, same pacing) p50 ${fmt(d.p50)} / p99 ${fmt(d.p99)} ms; apply -> bound p50 ${fmt(b.p50)} / p99 ${fmt(b.p99)} ms, apply -> desired state at the agent (from its log) p50 ${fmt(ds.p50)} / p99 ${fmt(ds.p99)} ms, bound -> Running p50 ${fmt(r.p50)} / p99 ${fmt(r.p99)} ms; ${s.count} pods over ${spread}`,
  });
}

try {
  for (let i = 0; i < AGENTS; i++) {
    const name = `ps-${i}`;
    const dataDir = join(tmp, name);
    mkdirSync(dataDir);
    const onLine = (l: string) => {
      const m = DESIRED_LOG.exec(l);
      if (m) desiredAt.set(m[2], [...(desiredAt.get(m[2]) ?? []), Date.parse(m[1])]);
    };
    agents.push({ name, proc: startAgentProc({ mqtt: hub.mqtt, token: hub.token, name, dataDir, onLine }) });
  }
  for (const a of agents)
    await nodes.waitFor(a.name, true, READY_TIMEOUT_MS).catch((e: Error) => {
      throw new Error(`${e.message}\nagent output:\n${a.proc.output()}`);
    });

  let burstNote = '';
  for (const rate of RATES) {
    const prefix = `paced${rate}`;
    record(await pass(`paced ${rate}/s`, prefix, rate));
    // Clear the pods (and their containers) so the next pass starts from the same state.
    const names = [...podWatch.times.keys()].filter((n) => n.startsWith(`${prefix}-`));
    await Promise.all(names.map((n) => client.delete('pods', BENCH_NAMESPACE, n)));
    try {
      await podWatch.waitAll(names, (t) => t.deletedAt !== undefined, 'deleted', GONE_TIMEOUT_MS);
    } catch (e) {
      burstNote = `; the pods of a pass were not all deleted before the next (${(e as Error).message})`;
    }
  }
  const burst = await pass('burst', 'burst', 0);
  record(burst);
  report.note(
    `${PODS} busybox sleep pods, image present, over ${AGENTS} agents (node dist/agent/main.js) on Docker, scheduler binds; times from just before each POST to the watch event with phase Running${burstNote}`,
  );
  report.note(
    'where the time goes: apply -> desired state at the agent is the hub (API, scheduler, gateway, MQTT); the rest is the agent and Docker. Here one dockerd on 2 cores serves all 3 agents (a fleet has one per board), so Docker alone saturates at 5 pods/s and in the burst; per pod the agent calls Docker about 5 times (list containers 2-3x, image inspect, create, start) where the baseline calls it twice, which is where the extra time under load goes.',
  );
  report.write();
} finally {
  podWatch.stop();
  nodes.stop();
  await Promise.all(agents.map((a) => a.proc.stop()));
  await hub.stop();
  await Promise.all(agents.map((a) => removeNodeContainers(a.name)));
  rmSync(tmp, { recursive: true, force: true });
}
