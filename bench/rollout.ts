// Fleet rollout (issue #10): one hub process and N hollow boards (bench/sim) running a
// DaemonSet under a Rollout in 4 waves (1% labelled ring=canary, then 10%, 50%, 100% of the
// remaining boards), gate soak --soak. (a) A good image: the time per wave, the whole rollout
// and hub CPU over it. (b) A bad image that crashes on a tenth of the second wave's boards:
// the time from the change to the gate failing, and from the gate failing to every board
// back on the stable revision and Ready (the issue's goal: within 60 s).
// Hub CPU is also read over --idle before the change (fleet Ready, DaemonSet running, no
// rollout under way): what the rollout adds to the hub's floor (heartbeats, leases).
// --rate N/min paces the rollout (spec.maxPerMinute: at most N boards start their update a
// minute; the rollback is not paced): its result is written apart (rollout-paced), so the
// README table holds the paced and the unpaced run side by side.
// --idle-only stops after the idle window (the hub's floor with the DaemonSet on every board),
// printed, no result written; --settle waits that long before the window.
// Run alone: node dist/bench/rollout.js [--nodes 1000] [--soak 5s] [--ramp 50] [--timeout 10m]
//   [--idle 10s] [--settle 0s] [--idle-only] [--rate 2000/min] [--hub-prof DIR]  (a .cpuprofile of the hub over the idle
//   window (hub-*-1), one for (a), the change to Completed (-2), and one for (b), the bad image
//   to the fleet back (-3))

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { paceBurst } from '../hub/controllers/rollout/pace.js';
import { planWaves } from '../hub/controllers/rollout/plan.js';
import type { DaemonSet } from '../shared/api/apps.js';
import type { Rollout, RolloutSpec } from '../shared/api/rollout.js';
import type { Node, Pod } from '../shared/api/types.js';
import { BenchArgs } from './lib/args.js';
import { type HubChild, startHubChild } from './lib/hub-child.js';
import { hubApiClient, hubFetch } from './lib/hub-client.js';
import { MachineLoad } from './lib/machine-load.js';
import { cpuPercent, sampleProc } from './lib/proc.js';
import { metricByLabel, metricSum } from './lib/prom-text.js';
import { BenchReport } from './lib/report.js';
import { PROFILE_SIGNAL } from './lib/signal-profiler.js';
import { fmt } from './lib/stats.js';
import { type Fleet, startFleet } from './sim/fleet.js';

const args = new BenchArgs();
const NODES = args.number('nodes', 1_000);
const SOAK_S = Math.round(args.durationMs('soak', 5_000) / 1000);
const RAMP = args.number('ramp', 50);
const TIMEOUT_MS = args.durationMs('timeout', 10 * 60_000);
const NS = 'default';
const BAD = 'bench/agentd:bad';
const POLL_MS = 250;
const IDLE_MS = args.durationMs('idle', 10_000);
const IDLE_ONLY = args.has('idle-only');
const SETTLE_MS = args.durationMs('settle', 0);
const HUB_PROF_DIR = args.has('hub-prof') ? args.string('hub-prof', '.') : undefined;
/** Boards a minute (`2000/min` or `2000`), or undefined: not paced. */
const RATE = (() => {
  if (!args.has('rate')) return undefined;
  const v = args.string('rate', '');
  const n = Number(v.replace(/\/min$/, ''));
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--rate must be boards a minute such as 2000/min, got ${v}`);
  return n;
})();

const given = ['nodes', 'soak', 'ramp', 'rate'].filter((k) => args.has(k));
const report = new BenchReport(
  RATE === undefined ? 'rollout' : 'rollout-paced',
  RATE === undefined
    ? 'Fleet rollout in 4 health-gated waves, rollback on a failed gate'
    : 'Fleet rollout in 4 health-gated waves, paced (spec.maxPerMinute), rollback on a failed gate',
  `npm run bench -- rollout${given.map((k) => ` --${k} ${args.string(k, '')}`).join('')}`,
  { nodes: NODES, soakSeconds: SOAK_S, rampPerSecond: RAMP, maxPerMinute: RATE },
);
const GOAL_ROLLOUT = {
  anchor: 'AWS IoT Jobs / Greengrass deployments: minutes per fleet',
  goal: '10,000 boards in < 10 min with gates',
};
const GOAL_CPU = { anchor: 'the hub beside other work on a small machine', goal: 'hub CPU < 50% of a core' };
const GOAL_ROLLBACK = {
  anchor: 'Argo Rollouts abort -> stable at once',
  goal: 'fleet rolled back < 60 s after the gate fails',
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const names = Array.from({ length: NODES }, (_, i) => `hollow-${i}`);
const canary = new Set(names.filter((_, i) => i % 100 === 0));
const spec: RolloutSpec = {
  targetRef: { kind: 'DaemonSet', name: 'agentd' },
  waves: [
    { name: 'canary', selector: { matchLabels: { ring: 'canary' } } },
    { name: 'ten', percent: 10 },
    { name: 'half', percent: 50 },
    { name: 'rest', percent: 100 },
  ],
  gate: { soakSeconds: SOAK_S, boardTimeoutSeconds: 120, failureThreshold: { percent: 2, minBoards: 3 } },
  ...(RATE === undefined ? {} : { maxPerMinute: RATE }),
};
// The second wave as the controller plans it; a tenth of it crashes on the bad image.
const planned = planWaves(
  spec,
  names.map((name) => ({ name, labels: { ring: canary.has(name) ? 'canary' : 'main' } })),
);
const crashNodes = planned[1].boards.filter((_, i) => i % 10 === 0);

/** --idle-only: the idle window was measured; nothing more to run. */
class IdleOnlyDone extends Error {}

const dataDir = mkdtempSync(join(tmpdir(), 'drover-bench-rollout-'));
let hub: HubChild | undefined;
let fleet: Fleet | undefined;
const load = new MachineLoad();
try {
  hub = await startHubChild(
    { dataDir, apiPort: 0, mqttPort: 0, mqttHost: '127.0.0.1', logLevel: 'warn' },
    [],
    HUB_PROF_DIR,
  );
  const h = hub;
  /** Starts or stops the hub's CPU profile (with --hub-prof). */
  const toggleProfile = () => {
    if (HUB_PROF_DIR) process.kill(h.pid, PROFILE_SIGNAL);
  };
  const client = hubApiClient(dataDir);
  const metricsFetch = hubFetch(dataDir) as typeof fetch;
  /** Store writes, and per controller its reconciles and the time they took (s), so far. */
  const counters = async () => {
    const m = await (await metricsFetch(`${h.api}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
    return {
      writes: metricSum(m, 'drover_store_writes'),
      commits: metricSum(m, 'drover_store_commits'),
      reconciles: metricByLabel(m, 'workqueue_work_duration_seconds_count', 'name'),
      reconcileS: metricByLabel(m, 'workqueue_work_duration_seconds_sum', 'name'),
    };
  };
  const t0 = Date.now();
  fleet = await startFleet({
    hubUrl: h.mqtt,
    caPem: h.caPem,
    token: h.token,
    nodes: NODES,
    rampPerSecond: RAMP,
    podStartDelayMs: 200,
    crashImages: [BAD],
    crashNodes,
  });
  for (;;) {
    const ready = (await client.list<Node>('nodes', undefined)).items.filter((n) =>
      n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length;
    if (ready === NODES) break;
    if (Date.now() - t0 > TIMEOUT_MS) throw new Error(`only ${ready}/${NODES} boards Ready`);
    await sleep(1000);
  }
  console.log(`   ${NODES} boards Ready after ${fmt((Date.now() - t0) / 1000)} s`);
  for (const n of canary)
    await client.patch<Node>('nodes', undefined, n, { metadata: { labels: { ring: 'canary' } } }, 'merge');

  const podsOf = async () => (await client.list<Pod>('pods', NS, { labelSelector: 'app=agentd' })).items;
  const ready = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  const rollout = () => client.get<Rollout>('rollouts', NS, 'agentd');
  const setImage = async (image: string) =>
    client.patch(
      'daemonsets',
      NS,
      'agentd',
      { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } },
      'strategic',
    );

  await client.create<DaemonSet>('daemonsets', NS, {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agentd', namespace: NS },
    spec: {
      selector: { matchLabels: { app: 'agentd' } },
      updateStrategy: { type: 'OnDelete' },
      template: {
        metadata: { labels: { app: 'agentd' } },
        spec: { containers: [{ name: 'c', image: 'bench/agentd:1' }] },
      },
    },
  });
  await client.create<Rollout>('rollouts', NS, {
    apiVersion: 'drover.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'agentd', namespace: NS },
    spec,
  });
  const waitUntil = async (what: string, pred: () => Promise<boolean>) => {
    const start = Date.now();
    while (!(await pred())) {
      if (Date.now() - start > TIMEOUT_MS) throw new Error(`timed out: ${what}`);
      await sleep(POLL_MS);
    }
  };
  await waitUntil('DaemonSet on every board', async () => {
    const pods = await podsOf();
    return pods.length === NODES && pods.every(ready);
  });
  await waitUntil('rollout Healthy', async () => (await rollout()).status?.phase === 'Healthy');

  // Each board's first status report after its pod started (its images) is a store write:
  // --settle waits for them (the status interval, 60 s) so the window holds the floor alone.
  await sleep(SETTLE_MS);
  const idleCountA = await counters();
  toggleProfile();
  const idleA = sampleProc(h.pid);
  await sleep(IDLE_MS);
  const idleCpu = cpuPercent(idleA, sampleProc(h.pid));
  toggleProfile();
  const idleCountB = await counters();
  const perS = (n: number) => fmt(n / (IDLE_MS / 1000));
  console.log(
    `   hub CPU idle over ${fmt(IDLE_MS / 1000)} s: ${fmt(idleCpu)}% of a core; store ${perS(idleCountB.writes - idleCountA.writes)} writes/s in ${perS(idleCountB.commits - idleCountA.commits)} commits/s (${load.describe()})`,
  );
  if (IDLE_ONLY) throw new IdleOnlyDone();

  // (a) a good image through the four waves.
  const stable0 = (await rollout()).status?.stableRevision;
  const countA = await counters();
  toggleProfile();
  const cpuA = sampleProc(h.pid);
  const startA = Date.now();
  await setImage('bench/agentd:2');
  const waveDone: number[] = [];
  await waitUntil('rollout Completed', async () => {
    const st = (await rollout()).status;
    const passed = st?.phase === 'Completed' ? spec.waves.length : (st?.currentWave ?? 0);
    while (waveDone.length < passed) waveDone.push(Date.now());
    return st?.phase === 'Completed' && st.stableRevision !== stable0;
  });
  const cpuB = sampleProc(h.pid);
  toggleProfile();
  const countB = await counters();
  const totalA = (Date.now() - startA) / 1000;
  waveDone.forEach((t, i) => {
    const from = i === 0 ? startA : waveDone[i - 1];
    report.add(`wave ${spec.waves[i].name} (${planned[i].boards.length} boards)`, (t - from) / 1000, 's', {
      anchor:
        RATE === undefined
          ? `soak ${SOAK_S} s per wave`
          : `soak ${SOAK_S} s per wave; at ${RATE}/min alone ${fmt((planned[i].boards.length / RATE) * 60)} s`,
      goal: '',
    });
  });
  report.add(`${NODES} boards updated through 4 waves`, totalA, 's', GOAL_ROLLOUT, {
    met: NODES >= 10_000 ? totalA < 600 : undefined,
  });
  const cpu = cpuPercent(cpuA, cpuB);
  // Above the floor: what each board's update cost the hub (API, controllers, gateway, MQTT).
  const perBoard = (cpuB.cpuMs - cpuA.cpuMs - (idleCpu / 100) * (cpuB.at - cpuA.at)) / NODES;
  report.add('hub CPU during the rollout', cpu, '% of a core', GOAL_CPU, {
    met: cpu < 50,
    note: `${fmt((cpuB.cpuMs - cpuA.cpuMs) / NODES)} ms per board update in all, ${fmt(perBoard)} ms above the hub's ${fmt(idleCpu)}% before the change`,
  });

  // (b) a bad image that crashes on a tenth of wave 2.
  const stable = (await rollout()).status?.stableRevision;
  const startB = Date.now();
  toggleProfile();
  await setImage(BAD);
  let failedAt = 0;
  await waitUntil('gate failed', async () => {
    const p = (await rollout()).status?.phase;
    if (p === 'RollingBack' || p === 'RolledBack') failedAt = Date.now();
    return failedAt > 0;
  });
  report.add('bad image: change -> gate failed (wave 2)', (failedAt - startB) / 1000, 's', {
    anchor: `canary soak ${SOAK_S} s, then wave 2`,
    goal: '',
  });
  const updatedAtFailure = (await podsOf()).filter((p) => p.spec.containers[0].image === BAD).length;
  await waitUntil('fleet back on the stable revision', async () => {
    const pods = (await podsOf()).filter((p) => !p.metadata.deletionTimestamp);
    return (
      pods.length === NODES &&
      pods.every((p) => p.metadata.labels?.['controller-revision-hash'] === stable && ready(p))
    );
  });
  const back = (Date.now() - failedAt) / 1000;
  toggleProfile();
  report.add(`gate failed -> ${updatedAtFailure} updated boards back, all Ready`, back, 's', GOAL_ROLLBACK, {
    met: back < 60,
  });
  const busiest = Object.keys(countB.reconcileS)
    .map((name) => ({
      name,
      n: (countB.reconciles[name] ?? 0) - (countA.reconciles[name] ?? 0),
      s: (countB.reconcileS[name] ?? 0) - (countA.reconcileS[name] ?? 0),
    }))
    .sort((a, b) => b.s - a.s)
    .slice(0, 4);
  report.note(
    `during the rollout: ${fmt((countB.writes - countA.writes) / NODES)} store writes per board; reconciles (count, wall time in them) ${busiest.map((c) => `${c.name} ${c.n}, ${fmt(c.s)} s`).join('; ')}`,
  );
  report.note(`${crashNodes.length} of ${planned[1].boards.length} wave-2 boards crash on the bad image`);
  if (RATE !== undefined)
    report.note(
      `paced: spec.maxPerMinute ${RATE} (at most ${RATE} boards a minute start their update, ` +
        `${paceBurst(RATE)} at once at most); the rollback is not paced`,
    );
  report.note(`hub and simulator share the machine; ${load.describe()}`);
} catch (e) {
  if (!(e instanceof IdleOnlyDone)) throw e;
} finally {
  load.stop();
  await fleet?.stop();
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
if (!IDLE_ONLY) report.write();
