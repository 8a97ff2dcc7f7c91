// Fleet across hubs (#8 benchmark): a 3-node nats-server cluster, 3 `drover hub` processes on
// it (sharing the CA), hollow boards spread over the hubs (board i starts on hub i mod 3 and
// lists the others after it). Measures: time until all Ready, per-hub CPU and RSS over a hold
// with the count of false NotReady, then kill -9 of one standby hub: time until every board is
// connected again (its boards moved to the other hubs), NotReady marks after the kill and the
// time until every board is Ready again. nats-server and simulator footprints over the hold too.
// Run alone: node dist/bench/fleet-hubs.js [--boards 30000] [--hold 10m] [--ramp 60]
//   [--heartbeat 10s] [--per-process 2500] [--ready-timeout 20m] [--after-kill 105s]

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDurationMs } from '../agent/duration.js';
import { copySharedHubFiles } from '../cli/cluster/hub-files.js';
import { type NatsNode, startNatsCluster } from '../cli/cluster/nats-server.js';
import { DEFAULT_HUB_DEAD_AFTER_MS } from '../hub/relay/relay.js';
import { DEFAULT_NODE_GRACE_MS, RECONNECT_LONGEST_WAIT_MS } from '../shared/protocol/constants.js';
import { ANCHORS } from './lib/anchors.js';
import { BenchArgs } from './lib/args.js';
import { hubApiClient, hubFetch } from './lib/hub-client.js';
import { MachineLoad } from './lib/machine-load.js';
import { NodeTracker } from './lib/node-tracker.js';
import { cpuPercent, type ProcSample, sampleProc } from './lib/proc.js';
import { metricSum } from './lib/prom-text.js';
import { BenchReport } from './lib/report.js';
import { fmt, max } from './lib/stats.js';
import { type Fleet, startFleet } from './sim/fleet.js';

const args = new BenchArgs();
const BOARDS = args.number('boards', 30_000);
const HOLD_MS = args.durationMs('hold', 10 * 60_000); // the issue's 10-minute hold
const RAMP = args.number('ramp', 60); // joins started per second over all hubs
const HEARTBEAT_MS = args.durationMs('heartbeat', 10_000);
const PER_PROCESS = args.number('per-process', 2500);
const READY_TIMEOUT_MS = args.durationMs('ready-timeout', 20 * 60_000);
// Watch for NotReady after the kill for longer than a dead hub's boards may be silent before the
// leader marks them: found dead after DEFAULT_HUB_DEAD_AFTER_MS, then the start-up grace (the node
// grace + the longest reconnect wait), then 30 s for the mark to reach the watch.
const AFTER_KILL_MS = args.durationMs(
  'after-kill',
  DEFAULT_HUB_DEAD_AFTER_MS + DEFAULT_NODE_GRACE_MS + RECONNECT_LONGEST_WAIT_MS + 30_000,
);
const HUBS = 3;
const CLI_MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const SAMPLE_EVERY_MS = 5_000;

const given = ['boards', 'hold', 'ramp', 'heartbeat', 'per-process', 'after-kill'].filter((k) => args.has(k));
const report = new BenchReport(
  'fleet-hubs',
  'Fleet across hubs (NATS)',
  `npm run bench -- fleet-hubs${given.map((k) => ` --${k} ${args.string(k, '')}`).join('')}`,
  { boards: BOARDS, hubs: HUBS, holdMs: HOLD_MS, rampPerSecond: RAMP, heartbeatMs: HEARTBEAT_MS },
);
const load = new MachineLoad();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => b / 2 ** 20;

interface Hub {
  dataDir: string;
  proc: ChildProcess;
  mqtt: string;
  api: string;
}

const dir = mkdtempSync(join(tmpdir(), 'drover-bench-hubs-'));
let nats: NatsNode[] = [];
const hubs: Hub[] = [];
let fleet: Fleet | undefined;
let tracker: NodeTracker | undefined;
// Stopped by a signal, the bench takes its hubs and nats-servers with it: they are not its
// process group's, and would hold ports, data and a core until killed by hand.
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    for (const p of [...hubs.map((h) => h.proc), ...nats.map((n) => n.proc)]) p.kill('SIGKILL');
    process.exit(130);
  });

async function startHub(i: number): Promise<Hub> {
  const dataDir = join(dir, `hub-${i}`);
  if (i > 1) copySharedHubFiles(join(dir, 'hub-1'), dataDir);
  const proc = spawn(
    process.execPath,
    [
      CLI_MAIN,
      'hub',
      ...['--data-dir', dataDir, '--store', nats.map((n) => n.url).join(','), '--store-replicas', '3'],
      ...['--api-host', '127.0.0.1', '--api-port', '0', '--mqtt-host', '127.0.0.1', '--mqtt-port', '0'],
      ...['--heartbeat-interval', `${HEARTBEAT_MS}ms`, '--log-level', 'warn'],
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const endpoints = join(dataDir, 'endpoints.json');
  const deadline = Date.now() + 60_000;
  while (!existsSync(endpoints)) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`hub ${i} did not start`);
    await sleep(100);
  }
  const ep = JSON.parse(readFileSync(endpoints, 'utf8')) as { api: string; mqtt: string };
  return { dataDir, proc, ...ep };
}

async function mqttClients(h: Hub): Promise<number> {
  try {
    const text = await (await hubFetch(h.dataDir)(`${h.api}/metrics`)).text();
    return metricSum(text, 'drover_mqtt_clients');
  } catch {
    return Number.NaN;
  }
}

const alive = (h: Hub) => h.proc.exitCode === null && h.proc.signalCode === null;

try {
  nats = await startNatsCluster({ size: 3, dir: join(dir, 'nats') });
  for (let i = 1; i <= HUBS; i++) hubs.push(await startHub(i));
  const first = hubs[0]!;
  const token = readFileSync(join(first.dataDir, 'bootstrap-token'), 'utf8').trim();
  const caPem = readFileSync(join(first.dataDir, 'pki', 'ca.crt'), 'utf8');
  tracker = new NodeTracker(hubApiClient(first.dataDir), (n) => n.startsWith('hollow-'));
  await tracker.start();
  const t = tracker;

  console.log(`   ${BOARDS} boards over ${HUBS} hubs (ramp ${RAMP}/s)`);
  const t0 = Date.now();
  fleet = await startFleet({
    hubUrl: hubs.map((h) => h.mqtt).join(','),
    caPem,
    token,
    nodes: BOARDS,
    namePrefix: 'hollow-',
    nodesPerProcess: PER_PROCESS,
    heartbeatIntervalMs: HEARTBEAT_MS,
    rampPerSecond: RAMP,
  });
  const f = fleet;
  let lastLog = 0;
  while (t.readyCount() < BOARDS && Date.now() - t0 < READY_TIMEOUT_MS && hubs.every(alive)) {
    await sleep(1000);
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      const c = f.counters();
      console.log(
        `     ${Math.round((Date.now() - t0) / 1000)} s: joined ${c.joined}, connected ${c.connected}, Ready ${t.readyCount()}/${BOARDS}, errors ${c.joinErrors}/${c.connectErrors}${c.firstError ? ` (${c.firstError})` : ''}`,
      );
    }
  }
  const ready = t.readyCount();
  const readyS = (Date.now() - t0) / 1000;
  report.add('boards Ready over 3 hubs', ready, 'boards', ANCHORS.fleetHubs, {
    met: ready >= 30_000,
    note: `asked ${BOARDS}; ${ready === BOARDS ? `all Ready after ${fmt(readyS)} s` : `${ready} Ready when the wait ended after ${fmt(readyS)} s`}`,
  });
  const perHub = await Promise.all(hubs.map(mqttClients));
  report.note(`boards per hub (MQTT clients incl. each hub's own gateway): ${perHub.join(', ')}`);

  if (ready > 0 && HOLD_MS > 0 && hubs.every(alive)) {
    console.log(`   hold: ${ready} boards for ${HOLD_MS / 1000} s`);
    const before = t.notReadyTransitions.length;
    const pids = {
      hubs: hubs.map((h) => h.proc.pid ?? 0),
      nats: nats.map((n) => n.proc.pid ?? 0),
      sims: f.pids,
    };
    const a = {
      hubs: pids.hubs.map(sampleProc),
      nats: pids.nats.map(sampleProc),
      sims: pids.sims.map(sampleProc),
    };
    const rss = { hubs: pids.hubs.map(() => [] as number[]), nats: pids.nats.map(() => [] as number[]) };
    // The last samples taken while every hub lived: a hub that exits ends the hold early, and its
    // figures stop there (its /proc entry is gone).
    const last = { hubs: [...a.hubs], nats: [...a.nats] };
    const holdStart = Date.now();
    const end = holdStart + HOLD_MS;
    while (Date.now() < end && hubs.every(alive)) {
      await sleep(Math.min(SAMPLE_EVERY_MS, end - Date.now()));
      if (!hubs.every(alive)) break;
      pids.hubs.forEach((pid, i) => {
        last.hubs[i] = sampleProc(pid);
        rss.hubs[i]!.push(last.hubs[i]!.rssBytes);
      });
      pids.nats.forEach((pid, i) => {
        last.nats[i] = sampleProc(pid);
        rss.nats[i]!.push(last.nats[i]!.rssBytes);
      });
    }
    const heldMs = Date.now() - holdStart;
    const exited = hubs.flatMap((h, i) =>
      alive(h) ? [] : [`hub ${i + 1} (${h.proc.signalCode ?? `code ${h.proc.exitCode}`})`],
    );
    report.add(
      `hubs that exited during the hold at ${ready} boards`,
      exited.length,
      'hubs',
      ANCHORS.fleetNotReady,
      {
        met: exited.length === 0,
        note: exited.length
          ? `${exited.join(', ')}: the hold ended after ${formatDurationMs(heldMs)} of ${formatDurationMs(HOLD_MS)}`
          : `all 3 for the whole ${formatDurationMs(HOLD_MS)}`,
      },
    );
    const falseNotReady = t.notReadyTransitions.length - before;
    report.add(
      `false NotReady over a ${formatDurationMs(heldMs)} hold at ${ready} boards`,
      falseNotReady,
      'boards',
      ANCHORS.fleetNotReady,
      { met: falseNotReady === 0 && exited.length === 0 },
    );
    const cpu = (from: ProcSample, to: ProcSample) => cpuPercent(from, to);
    pids.hubs.forEach((_pid, i) => {
      report.add(
        `hub ${i + 1} CPU during the hold`,
        cpu(a.hubs[i]!, last.hubs[i]!),
        '% of a core',
        ANCHORS.fleetCpu,
        {
          note: `${perHub[i]} MQTT clients${i === 0 ? '; the leader (scheduler, controllers)' : ''}`,
        },
      );
      report.add(`hub ${i + 1} RSS max during the hold`, mb(max(rss.hubs[i]!)), 'MB', ANCHORS.fleetRss);
    });
    // The store and the hubs' NATS core traffic (heartbeat batches, relayed RPCs) cost this.
    const natsCpu = pids.nats.map((_pid, i) => cpu(a.nats[i]!, last.nats[i]!));
    report.add(
      'nats-server CPU during the hold, the busiest of 3',
      max(natsCpu),
      '% of a core',
      ANCHORS.natsServer,
      {
        note: `each: ${natsCpu.map((c) => fmt(c)).join(', ')}`,
      },
    );
    const natsRss = rss.nats.map((r) => mb(max(r)));
    report.add(
      'nats-server RSS max during the hold, the largest of 3',
      max(natsRss),
      'MB',
      ANCHORS.natsServer,
      {
        note: `each: ${natsRss.map((r) => fmt(r)).join(', ')} MB`,
      },
    );
    const simCpu = pids.sims.reduce((sum, pid, i) => sum + cpu(a.sims[i]!, sampleProc(pid)), 0);
    report.note(
      `during the hold the ${pids.sims.length} simulator processes (${PER_PROCESS} boards each) used ${fmt(simCpu)}% of a core in all, on the same 2 cores`,
    );
  }

  // kill -9 of a standby hub (the last one; the first leads): its boards move to the others.
  const victim = hubs[HUBS - 1]!;
  if (ready > 0 && hubs.every(alive)) {
    const before = t.notReadyTransitions.length;
    const connectedBefore = f.counters().connected;
    const readyBefore = t.readyCount();
    victim.proc.kill('SIGKILL');
    const k0 = Date.now();
    console.log(`   kill -9 of hub ${HUBS}; ${connectedBefore} boards connected before`);
    let dropped = false;
    let backS = Number.NaN;
    // Ready again: the last moment the Ready count was below its count before the kill.
    let lastShortS = 0;
    while (Date.now() - k0 < AFTER_KILL_MS) {
      await sleep(250);
      const c = f.counters().connected;
      if (c < connectedBefore) dropped = true;
      if (dropped && c >= connectedBefore && Number.isNaN(backS)) backS = (Date.now() - k0) / 1000;
      if (t.readyCount() < readyBefore) lastShortS = (Date.now() - k0) / 1000;
    }
    const notReady = t.notReadyTransitions.length - before;
    const stillShort = t.readyCount() < readyBefore;
    const connectedAfter = f.counters().connected;
    const notBack = Number.isNaN(backS)
      ? `; ${connectedAfter} of ${connectedBefore} connected when the watch ended`
      : '';
    report.add(
      `time until every board is connected again after kill -9 of a hub`,
      backS,
      's',
      ANCHORS.hubFailover,
      {
        met: Number.isFinite(backS) && notReady === 0,
        note: `${connectedBefore} boards; the dead hub held about a third; NotReady marks within ${formatDurationMs(AFTER_KILL_MS)} of the kill: ${notReady}; ${stillShort ? `${readyBefore - t.readyCount()} boards still not Ready when the watch ended` : lastShortS > 0 ? `every board Ready again ${fmt(lastShortS)} s after the kill` : 'no board ever left Ready'}${notBack}`,
      },
    );
    report.add('NotReady after kill -9 of a hub', notReady, 'boards', ANCHORS.hubFailover, {
      met: notReady === 0,
    });
  }
} finally {
  report.note(`machine during the run: ${load.describe()} (shared by several engineers)`);
  load.stop();
  tracker?.stop();
  await fleet?.stop();
  for (const h of hubs) {
    if (alive(h)) {
      h.proc.kill('SIGTERM');
      await new Promise((r) => h.proc.once('exit', r));
    }
  }
  // The figures first: nothing in the cleanup may lose them.
  report.write();
  // nats-server still writes its store while it stops: remove the dir once every one has exited.
  await Promise.all(
    nats
      .filter((n) => n.proc.exitCode === null && n.proc.signalCode === null)
      .map((n) => {
        const exited = new Promise((r) => n.proc.once('exit', r));
        n.proc.kill('SIGTERM');
        return exited;
      }),
  );
  rmSync(dir, { recursive: true, force: true });
}
