// Where the hub's heap goes at a fleet size that runs in a minute or two (issue #21's memory
// goal, measured small): one hub process, N hollow boards (bench/sim), then one Deployment of
// P pods and one DaemonSet on every board, the fleet-pods shape (P + N pods on N boards) at
// a fifth of its size. At each phase (idle, boards, boards + pods) the hub's RSS, heap and
// memory outside the heap after a full GC, and with --snapshots DIR a V8 heap snapshot
// (node --heapsnapshot-signal) that bench/heap-summary.ts groups by constructor and owner.
// Writing a snapshot inflates the hub's RSS for the rest of the run: with --snapshots, compare
// heap figures only (RSS needs a run without).
// Not in `npm run bench`'s list: an investigation tool, its figures go into commit messages.
// Each phase also prints the V8 heap's committed size and the RSS split into anonymous memory
// and file pages (/proc/<pid>/status) and glibc's brk heap (/proc/<pid>/smaps), so what is
// outside the heap shows, and the hub's CPU time so far. --node-flags=... passes V8/Node flags
// to the hub (space separated, with the `=`: --node-flags="--max-semi-space-size=8") for A/B
// runs; the hub inherits the environment (GLIBC_TUNABLES=... for malloc settings).
// Per phase also V8's used/committed MB for new space, old space and large objects; with
// --idle-watch 60s the pods phase reads the hub every 10 s that long before its GC, so what V8
// gives back by itself while the fleet idles shows.
// With --restart, the hub is then killed (kill -9), kept down for --restart-down (30 s) and
// started again on its data dir and ports, as fleet-pods does before its DaemonSet (whose memory
// row is read from the restarted hub): a last phase once every board is back.
// Run: node dist/bench/hub-heap.js [--boards 2000] [--pods 400] [--ramp 100] [--snapshots DIR]
//   [--node-flags="..."] [--restart] [--restart-down 30s] [--hold 0s] [--idle-watch 0s]

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Informer } from '../hub/informers/informer.js';
import type { DaemonSet, Deployment } from '../shared/api/apps.js';
import type { Pod } from '../shared/api/types.js';
import { createLogger } from '../shared/log.js';
import { BenchArgs } from './lib/args.js';
import { type HubChild, startHubChild } from './lib/hub-child.js';
import { hubApiClient, hubFetch } from './lib/hub-client.js';
import { describeMemory, describeSpaces, type HubMemory, hubMemory } from './lib/hub-memory.js';
import { MachineLoad } from './lib/machine-load.js';
import { NodeTracker } from './lib/node-tracker.js';
import { metricSum } from './lib/prom-text.js';
import { sampleProc } from './lib/proc.js';
import { type Fleet, startFleet } from './sim/fleet.js';

const args = new BenchArgs();
const BOARDS = args.number('boards', 2_000);
const PODS = args.number('pods', 400);
const RAMP = args.number('ramp', 100);
const SNAPSHOT_DIR = args.has('snapshots') ? resolve(args.string('snapshots', '.')) : undefined;
const TIMEOUT_MS = args.durationMs('timeout', 5 * 60_000);
const NODE_FLAGS = args
  .string('node-flags', '')
  .split(' ')
  .filter((f) => f !== '');
/** Signal that makes the hub write a heap snapshot (ignored by default, unused by the hub). */
const SNAPSHOT_SIGNAL = 'SIGURG';
const RESTART = args.has('restart');
const RESTART_DOWN_MS = args.durationMs('restart-down', 30_000);
/** Keeps the fleet up this long after the last phase, to look at the hub by hand (gdb, smaps). */
const HOLD_MS = args.durationMs('hold', 0);
/** With the pods Running, reads the hub every 10 s this long before the phase's GC (V8's own give-back). */
const IDLE_WATCH_MS = args.durationMs('idle-watch', 0);
/** After a GC request, before the gauges are read, ms. */
const SETTLE_MS = 3_000;
const NS = 'default';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RssAnon and RssFile of a process, MB (/proc/<pid>/status). */
function rssSplit(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  // glibc's main malloc arena is the [heap] mapping (the brk heap); V8's pages and the other
  // arenas are anonymous mappings.
  let brk = 0;
  let inHeap = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inHeap = line.endsWith('[heap]');
    else if (inHeap && line.startsWith('Rss:')) brk += Number(/(\d+)/.exec(line)?.[1] ?? 0);
  }
  return `anon ${(kb('RssAnon') / 1024).toFixed(1)} MB of which malloc's brk heap ${(brk / 1024).toFixed(1)} MB, file ${(kb('RssFile') / 1024).toFixed(1)} MB`;
}

/** Waits until a new .heapsnapshot appears in dir and its size stops changing; returns its path. */
async function awaitSnapshot(dir: string, before: Set<string>): Promise<string> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const fresh = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (fresh) {
      const p = join(dir, fresh);
      let size = -1;
      while (statSync(p).size !== size) {
        size = statSync(p).size;
        await sleep(2_000);
      }
      return p;
    }
    if (Date.now() > deadline) throw new Error(`no heap snapshot appeared in ${dir}`);
    await sleep(500);
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'drover-bench-hub-heap-'));
const load = new MachineLoad();
let hub: HubChild | undefined;
let fleet: Fleet | undefined;
let tracker: NodeTracker | undefined;
let pods: Informer<Pod> | undefined;
try {
  if (SNAPSHOT_DIR && !existsSync(SNAPSHOT_DIR)) mkdirSync(SNAPSHOT_DIR, { recursive: true });
  const nodeArgs = [
    '--expose-gc',
    ...NODE_FLAGS,
    ...(SNAPSHOT_DIR ? [`--heapsnapshot-signal=${SNAPSHOT_SIGNAL}`, `--diagnostic-dir=${SNAPSHOT_DIR}`] : []),
  ];
  const startHub = (ports: { api: number; mqtt: number }) =>
    startHubChild(
      { dataDir, apiPort: ports.api, mqttPort: ports.mqtt, mqttHost: '127.0.0.1', logLevel: 'warn' },
      nodeArgs,
    );
  hub = await startHub({ api: 0, mqtt: 0 });
  let h = hub;
  const client = hubApiClient(dataDir);
  const metricsFetch = hubFetch(dataDir) as typeof fetch;
  const phase = async (name: string, watchMs = 0): Promise<HubMemory> => {
    // Before the GC too: fleet-pods reads its figures without one. The hub's CPU time so far
    // (GC flags and malloc settings trade memory for it).
    const pre = await hubMemory(metricsFetch, h.api);
    console.log(
      `   ${name}, before a GC: hub CPU ${(sampleProc(h.pid).cpuMs / 1000).toFixed(1)} s so far; RSS ${(pre.rssBytes / 2 ** 20).toFixed(1)} MB (${rssSplit(h.pid)}), heap ${(pre.heapUsedBytes / 2 ** 20).toFixed(1)} MB of ${(pre.heapTotalBytes / 2 ** 20).toFixed(1)} MB committed (used/committed MB: ${describeSpaces(pre)})`,
    );
    for (let t = 10_000; t <= watchMs; t += 10_000) {
      await sleep(10_000);
      const w = await hubMemory(metricsFetch, h.api);
      console.log(
        `     +${t / 1000} s, no GC asked: hub CPU ${(sampleProc(h.pid).cpuMs / 1000).toFixed(1)} s; RSS ${(w.rssBytes / 2 ** 20).toFixed(1)} MB, heap ${(w.heapUsedBytes / 2 ** 20).toFixed(1)} MB of ${(w.heapTotalBytes / 2 ** 20).toFixed(1)} MB committed (${describeSpaces(w)})`,
      );
    }
    process.kill(h.pid, 'SIGUSR2'); // full GC (hub-process.ts)
    await sleep(SETTLE_MS);
    const m = await hubMemory(metricsFetch, h.api);
    console.log(
      `   ${name}: RSS ${(m.rssBytes / 2 ** 20).toFixed(1)} MB (${rssSplit(h.pid)}), heap ${(m.heapUsedBytes / 2 ** 20).toFixed(1)} MB of ${(m.heapTotalBytes / 2 ** 20).toFixed(1)} MB committed (used/committed MB: ${describeSpaces(m)}), external ${(m.externalBytes / 2 ** 20).toFixed(1)} MB; load ${load.describe()}`,
    );
    if (SNAPSHOT_DIR) {
      const before = new Set(readdirSync(SNAPSHOT_DIR));
      process.kill(h.pid, SNAPSHOT_SIGNAL);
      const file = await awaitSnapshot(SNAPSHOT_DIR, before);
      // The hub's loop is blocked while V8 writes: it is done once the API answers again.
      const deadline = Date.now() + TIMEOUT_MS;
      for (;;) {
        try {
          await hubMemory(metricsFetch, h.api);
          break;
        } catch (e) {
          if (Date.now() > deadline) throw e;
          await sleep(1_000);
        }
      }
      console.log(`     snapshot ${file} (${name})`);
    }
    return m;
  };
  const idle = await phase('idle');

  tracker = new NodeTracker(client, (n) => n.startsWith('hollow-'));
  await tracker.start();
  const t = tracker;
  fleet = await startFleet({
    hubUrl: h.mqtt,
    caPem: h.caPem,
    token: h.token,
    nodes: BOARDS,
    namePrefix: 'hollow-',
    rampPerSecond: RAMP,
  });
  const t0 = Date.now();
  while (t.readyCount() < BOARDS && Date.now() - t0 < TIMEOUT_MS) await sleep(500);
  if (t.readyCount() < BOARDS) throw new Error(`only ${t.readyCount()}/${BOARDS} boards Ready`);
  console.log(`   ${BOARDS} boards Ready after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await sleep(5_000); // the last joins' status writes and desired sets
  const boards = await phase(`${BOARDS} boards`);

  const running = new Set<string>();
  pods = new Informer<Pod>(client, 'pods', createLogger('bench/pods', 40));
  pods.addHandler({
    onChange: (type, p) => {
      const k = `${p.metadata.namespace}/${p.metadata.name}`;
      if (type !== 'DELETED' && p.status?.phase === 'Running') running.add(k);
      else running.delete(k);
    },
  });
  await pods.start();
  const template = (app: string) => ({
    metadata: { labels: { app } },
    spec: { containers: [{ name: 'c', image: 'busybox:1' }] },
  });
  const t1 = Date.now();
  await client.create<Deployment>('deployments', NS, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'heap-a', namespace: NS },
    spec: { replicas: PODS, selector: { matchLabels: { app: 'heap-a' } }, template: template('heap-a') },
  });
  await client.create<DaemonSet>('daemonsets', NS, {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'heap-ds', namespace: NS },
    spec: { selector: { matchLabels: { app: 'heap-ds' } }, template: template('heap-ds') },
  });
  const want = PODS + BOARDS;
  while (running.size < want && Date.now() - t1 < TIMEOUT_MS) await sleep(500);
  if (running.size < want) throw new Error(`only ${running.size}/${want} pods Running`);
  console.log(`   ${want} pods Running after ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  await sleep(10_000); // owner status writes, events
  const full = await phase(`${BOARDS} boards + ${want} pods`, IDLE_WATCH_MS);
  console.log(`   ${describeMemory(idle, { n: BOARDS, m: boards }, { n: want, m: full })}`);
  if (RESTART) {
    const ports = { api: Number(new URL(h.api).port), mqtt: Number(new URL(h.mqtt).port) };
    console.log(`   kill -9 of the hub, ${RESTART_DOWN_MS / 1000} s down`);
    hub = undefined;
    process.kill(h.pid, 'SIGKILL');
    await h.exited;
    await sleep(RESTART_DOWN_MS);
    const t2 = Date.now();
    hub = await startHub(ports);
    h = hub;
    for (;;) {
      const m = await (
        await metricsFetch(`${h.api}/metrics`, { signal: AbortSignal.timeout(30_000) })
      ).text();
      const back =
        metricSum(m, 'drover_nodes_connected') >= BOARDS &&
        metricSum(m, 'drover_nodes', { ready: 'true' }) >= BOARDS;
      if (back) break;
      if (Date.now() - t2 > TIMEOUT_MS) throw new Error('not every board back after the restart');
      await sleep(1_000);
    }
    console.log(`   every board back ${((Date.now() - t2) / 1000).toFixed(1)} s after the restart`);
    await sleep(10_000);
    const restarted = await phase(`restarted, ${BOARDS} boards + ${want} pods`);
    console.log(`   ${describeMemory(idle, { n: BOARDS, m: boards }, { n: want, m: restarted })}`);
  }
  if (HOLD_MS > 0) {
    console.log(`   holding ${HOLD_MS / 1000} s: hub pid ${h.pid}`);
    await sleep(HOLD_MS);
  }
} finally {
  load.stop();
  pods?.stop();
  tracker?.stop();
  await fleet?.stop();
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
