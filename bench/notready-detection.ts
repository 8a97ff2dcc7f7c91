// NotReady detection (issue 5, benchmark 6), real hub and agent processes, default hub settings
// (40 s grace, 10 s heartbeats, 500 ms last-will debounce):
//  1. connection drop: kill -9 of the agent -> node not Ready, as a watch on /api/v1/nodes sees
//     it; one agent, restarted between trials (it keeps its credential);
//  2. silent agent: SIGSTOP -> not Ready with the default grace. Trials run in parallel: N
//     agents (one node each) stopped at known times spread over one heartbeat interval, so the
//     stop falls at every phase of the heartbeat cycle; R rounds (SIGCONT, Ready, again).
//     NotReady - last heartbeat comes from the hub's own log line (lastSeenAgoMs).
// Run alone: node dist/bench/notready-detection.js [--drop-trials 20] [--agents 10] [--rounds 2]

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hubApiClient } from './lib/hub-client.js';
import { type BenchProc, startAgentProc, startHubProc } from './lib/agent-procs.js';
import { NodeReadyWatch } from './lib/agent-node-watch.js';
import { ANCHORS } from './lib/anchors.js';
import { BenchArgs } from './lib/args.js';
import { BenchReport } from './lib/report.js';
import { fmt, summarize } from './lib/stats.js';

const args = new BenchArgs();
const DROP_TRIALS = args.number('drop-trials', 20);
const AGENTS = args.number('agents', 10); // parallel SIGSTOP trials per round
const ROUNDS = args.number('rounds', 2);
const HEARTBEAT_MS = args.durationMs('heartbeat-interval', 10_000); // the agents' and the hub's
const GRACE_MS = args.durationMs('node-grace', 40_000); // hub default
const READY_TIMEOUT_MS = 60_000; // for a (re)started agent to show Ready
const DROP_TIMEOUT_MS = GRACE_MS + 20_000; // a drop not seen by then counts as missed
const HUB_LOG_WAIT_MS = 5000; // for the hub's log line after the watch event

const report = new BenchReport('notready-detection', 'NotReady detection', 'npm run bench -- notready', {
  dropTrials: DROP_TRIALS,
  silentAgents: AGENTS,
  silentRounds: ROUNDS,
  heartbeatIntervalMs: HEARTBEAT_MS,
  nodeGraceMs: GRACE_MS,
});

/** Hub log: `... node not ready node=N connected=B lastSeenAgoMs=MS` -> last heartbeat time per node. */
const NOT_READY_LOG = /^(\S+) .*node not ready node=(\S+) connected=(\w+) lastSeenAgoMs=(\d+)/;
const hubMarks: { node: string; at: number; connected: boolean; lastSeen: number }[] = [];

const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-notready-'));
const hubArgs = ['--node-grace', `${GRACE_MS}ms`, '--heartbeat-interval', `${HEARTBEAT_MS}ms`];
const hub = await startHubProc(join(tmp, 'hub'), hubArgs, {
  onLine: (l) => {
    const m = NOT_READY_LOG.exec(l);
    if (!m) return;
    const at = Date.parse(m[1]);
    hubMarks.push({ node: m[2], at, connected: m[3] === 'true', lastSeen: at - Number(m[4]) });
  },
});
const watch = new NodeReadyWatch(hubApiClient(hub.dataDir));
await watch.start();
const agents = new Map<string, BenchProc>();

function agent(name: string): BenchProc {
  const dataDir = join(tmp, name);
  mkdirSync(dataDir, { recursive: true });
  const p = startAgentProc({
    mqtt: hub.mqtt,
    token: hub.token,
    caHash: hub.caHash,
    name,
    dataDir,
    args: ['--heartbeat-interval', `${HEARTBEAT_MS}ms`],
  });
  agents.set(name, p);
  return p;
}

/** Waits for Ready; on a timeout the error carries the agent's output (why it did not come up). */
async function ready(name: string): Promise<void> {
  try {
    await watch.waitFor(name, true, READY_TIMEOUT_MS);
  } catch (e) {
    throw new Error(
      `${(e as Error).message}\nagent output:\n${agents.get(name)?.output()}\nhub output:\n${hub.output().slice(-3000)}`,
    );
  }
}

/** The hub's `node not ready` line for node after t0 (waits up to HUB_LOG_WAIT_MS for it). */
async function hubMark(node: string, t0: number) {
  const deadline = Date.now() + HUB_LOG_WAIT_MS;
  for (;;) {
    // Log times have ms resolution: allow the line to carry the same ms as t0.
    const m = hubMarks.find((x) => x.node === node && x.at >= t0 - 1);
    if (m || Date.now() > deadline) return m;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const readyReason = (name: string) =>
  watch.node(name)?.status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? '?';
const countBy = (xs: string[]) => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m].map(([k, n]) => `${k} x${n}`).join(', ');
};

try {
  // ---- 1. connection drop (kill -9) ----
  const drops: number[] = [];
  const dropReasons: string[] = [];
  let dropMissed = 0;
  for (let i = 0; i < DROP_TRIALS; i++) {
    const a = agent('drop-0');
    await ready('drop-0');
    const t0 = Date.now();
    await a.kill9();
    try {
      drops.push((await watch.waitFor('drop-0', false, DROP_TIMEOUT_MS)) - t0);
      dropReasons.push(readyReason('drop-0'));
    } catch {
      dropMissed++;
    }
  }
  const d = summarize(drops);
  console.log(`   drop trials: ${drops.map((x) => fmt(x)).join(' ')} ms; reasons ${countBy(dropReasons)}`);
  report.add('kill -9 -> NotReady p50', d.p50, 'ms', ANCHORS.notReadyDrop, { met: d.p50 < 1000 });
  report.add('kill -9 -> NotReady p99', d.p99, 'ms', ANCHORS.notReadyDrop, {
    met: d.p99 < 1000 && dropMissed === 0,
    note: `max ${fmt(d.max)} ms over ${drops.length} trials${dropMissed ? `, ${dropMissed} not seen within ${DROP_TIMEOUT_MS / 1000} s` : ''}; Ready reason ${countBy(dropReasons)}`,
  });

  // ---- 2. silent agent (SIGSTOP), AGENTS in parallel per round ----
  const names = Array.from({ length: AGENTS }, (_, i) => `silent-${i}`);
  for (const n of names) agent(n);
  const sinceStop: number[] = [];
  const sinceHeartbeat: number[] = [];
  const silentReasons: string[] = [];
  let silentMissed = 0;
  for (let r = 0; r < ROUNDS; r++) {
    await Promise.all(names.map((n) => ready(n)));
    const stops = new Map<string, number>();
    const results = names.map(async (n, i) => {
      // Spread the stops over one heartbeat interval: every phase of the heartbeat cycle.
      await new Promise((res) => setTimeout(res, (i * HEARTBEAT_MS) / names.length));
      const t0 = Date.now();
      agents.get(n)?.signal('SIGSTOP');
      stops.set(n, t0);
      try {
        const at = await watch.waitFor(n, false, GRACE_MS + HEARTBEAT_MS + 30_000);
        sinceStop.push(at - t0);
        silentReasons.push(readyReason(n));
        // The hub logs after its writes, so its line may come after the watch event.
        const mark = await hubMark(n, t0);
        if (mark) sinceHeartbeat.push(at - mark.lastSeen);
      } catch {
        silentMissed++;
      }
    });
    await Promise.all(results);
    for (const n of names) agents.get(n)?.signal('SIGCONT');
    console.log(`   silent round ${r + 1}/${ROUNDS}: ${sinceStop.length} NotReady seen so far`);
  }
  const s = summarize(sinceStop);
  const h = summarize(sinceHeartbeat);
  report.add('SIGSTOP -> NotReady p50', s.p50 / 1000, 's', ANCHORS.notReadySilent, {
    met: s.p50 <= GRACE_MS + HEARTBEAT_MS,
  });
  report.add('SIGSTOP -> NotReady p99', s.p99 / 1000, 's', ANCHORS.notReadySilent, {
    met: s.p99 <= GRACE_MS + HEARTBEAT_MS && silentMissed === 0,
    note: `max ${fmt(s.max / 1000)} s over ${sinceStop.length} trials (${AGENTS} agents x ${ROUNDS} rounds)${silentMissed ? `, ${silentMissed} missed` : ''}; Ready reason ${countBy(silentReasons)}`,
  });
  report.add('last heartbeat -> NotReady p99', h.p99 / 1000, 's', ANCHORS.notReadySinceHeartbeat, {
    met: h.p99 < GRACE_MS + 1000,
    note: `p50 ${fmt(h.p50 / 1000)} s, max ${fmt(h.max / 1000)} s over ${sinceHeartbeat.length} trials (last heartbeat from the hub's log)`,
  });
  report.note(
    `real processes: \`drover hub\` (grace ${GRACE_MS / 1000} s, will debounce 500 ms) and \`node dist/agent/main.js\` agents at ${HEARTBEAT_MS / 1000} s heartbeats; times are when a watch on /api/v1/nodes saw Ready leave True`,
  );
  report.write();
} finally {
  watch.stop();
  await Promise.all([...agents.values()].map((a) => a.stop()));
  await hub.stop();
  rmSync(tmp, { recursive: true, force: true });
}
