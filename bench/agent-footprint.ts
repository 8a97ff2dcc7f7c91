// Agent footprint (issue 5, benchmark 4; issue 13): the real agent process with 5 running pods
// (busybox `sleep`/`httpd`, real Docker), idle at 10 s heartbeats; RSS (VmRSS) and CPU
// (utime+stime) sampled every second from /proc. Steps side by side in the same run, each its
// own node with its own pods, on every Node version asked for (--nodes current,18: Node 18 from
// the npm registry, bench/lib/node-binary.ts):
//   plain        node dist/agent/main.js (the tsc build, node_modules beside it)
//   bundle       node dist/agent-bundle/drover-agent.cjs (scripts/bundle-agent.mjs), no flags
//   shipped      the bundle with the node flags its first line names (what boards run)
//   + any of the extra variants below (--variants shipped,jitless,...)
// plus an idle bare `node` per version as the floor no agent written in Node can go under.
// Run alone: node dist/bench/agent-footprint.js [--duration 5m] [--pods 5] [--nodes current,18]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleNodeFlags } from '../agent/update/bundle-flags.js';
import { hubApiClient } from './lib/hub-client.js';
import { NodeReadyWatch } from './lib/agent-node-watch.js';
import { benchPod, removeNodeContainers, waitPodsRunning } from './lib/agent-pods.js';
import { AGENT_ENTRY, type BenchProc, spawnNode, startAgentProc, startHubProc } from './lib/agent-procs.js';
import { ANCHORS } from './lib/anchors.js';
import { BenchArgs } from './lib/args.js';
import { MachineLoad } from './lib/machine-load.js';
import { nodeBinary, nodeVersion } from './lib/node-binary.js';
import { cpuPercent, type ProcSample, sampleProc } from './lib/proc.js';
import { BenchReport, REPO_ROOT } from './lib/report.js';
import { fmt, max, median } from './lib/stats.js';

const args = new BenchArgs();
const DURATION_MS = args.durationMs('duration', 5 * 60_000); // idle window sampled
const SETTLE_MS = args.durationMs('settle', 10_000); // after all pods Running, before sampling
const PODS = args.number('pods', 5); // per agent
const HEARTBEAT_MS = args.durationMs('heartbeat-interval', 10_000);
const VARIANT_NAMES = args.string('variants', 'plain,bundle,shipped').split(',');
const NODES = args.string('nodes', 'current,18').split(',');
const SAMPLE_MS = 1000;
const READY_TIMEOUT_MS = 60_000;
const RUNNING_TIMEOUT_MS = 120_000;
const RSS_GOAL_MB = 50;
const CPU_GOAL_PCT = 0.5;
const MB = 1024 * 1024;

const BUNDLE = join(REPO_ROOT, 'dist/agent-bundle/drover-agent.cjs');

interface VariantDef {
  label: string;
  bundle: boolean;
  /** Node flags given the shipped ones. */
  nodeArgs: (shipped: string[]) => string[];
  env?: NodeJS.ProcessEnv;
}

const DEFS: Record<string, VariantDef> = {
  plain: { label: 'plain build', bundle: false, nodeArgs: () => [] },
  bundle: { label: 'bundle, no flags', bundle: true, nodeArgs: () => [] },
  shipped: { label: 'shipped (bundle + its flags)', bundle: true, nodeArgs: (f) => f },
  // The DNS role's share of the footprint: the shipped agent without it.
  'shipped-no-dns': {
    label: 'shipped, --cluster-dns none',
    bundle: true,
    nodeArgs: (f) => f,
    env: { DROVER_CLUSTER_DNS: 'none' },
  },
  heap: {
    label: 'bundle + heap flags only',
    bundle: true,
    nodeArgs: () => ['--max-old-space-size=32', '--max-semi-space-size=1'],
  },
  lite: {
    label: 'bundle + heap flags + --lite-mode',
    bundle: true,
    nodeArgs: () => ['--max-old-space-size=32', '--max-semi-space-size=1', '--lite-mode'],
  },
  jitless: {
    label: 'bundle + heap flags + --jitless',
    bundle: true,
    nodeArgs: () => ['--max-old-space-size=32', '--max-semi-space-size=1', '--jitless'],
  },
  'single-threaded': {
    label: 'bundle + heap flags + --lite-mode --single-threaded',
    bundle: true,
    nodeArgs: () => [
      '--max-old-space-size=32',
      '--max-semi-space-size=1',
      '--lite-mode',
      '--single-threaded',
    ],
  },
  custom: {
    // --custom-flags optimize-for-size,v8-pool-size=1 (node flags without their dashes)
    label: `shipped + ${args.string('custom-flags', '')} ${args.string('custom-env', '')}`.trim(),
    bundle: true,
    nodeArgs: (f) => [
      ...f,
      ...args
        .string('custom-flags', '')
        .split(',')
        .filter(Boolean)
        .map((x) => `--${x}`),
    ],
    env: Object.fromEntries(
      args
        .string('custom-env', '')
        .split(',')
        .filter(Boolean)
        .map((kv) => kv.split('=') as [string, string]),
    ),
  },
  arena: {
    label: 'shipped + MALLOC_ARENA_MAX=1',
    bundle: true,
    nodeArgs: (f) => f,
    env: { MALLOC_ARENA_MAX: '1' },
  },
};

interface Variant {
  name: string;
  label: string;
  node: string;
  nodeLabel: string;
  entry: string;
  nodeArgs: string[];
  env?: NodeJS.ProcessEnv;
  proc?: BenchProc;
  rss: number[];
  first?: ProcSample;
  last?: ProcSample;
}

const report = new BenchReport('agent-footprint', 'Agent footprint', 'npm run bench -- agent-footprint', {
  durationMs: DURATION_MS,
  podsPerAgent: PODS,
  heartbeatIntervalMs: HEARTBEAT_MS,
  variants: VARIANT_NAMES,
  nodes: NODES,
});
const load = new MachineLoad();

if (VARIANT_NAMES.some((n) => DEFS[n]?.bundle)) {
  const b = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/bundle-agent.mjs')], { encoding: 'utf8' });
  if (b.status !== 0 || !existsSync(BUNDLE)) throw new Error(`bundle failed: ${b.stderr.slice(0, 500)}`);
  console.log(`   ${b.stdout.trim()}`);
}
const SHIPPED = VARIANT_NAMES.some((n) => DEFS[n]?.bundle) ? bundleNodeFlags(BUNDLE) : [];
const binaries = NODES.map((n) => {
  const node = nodeBinary(n);
  return { node, version: nodeVersion(node) };
});
const variants: Variant[] = binaries.flatMap(({ node, version }) =>
  VARIANT_NAMES.map((name) => {
    const d = DEFS[name];
    if (!d) throw new Error(`unknown variant ${name}; known: ${Object.keys(DEFS).join(', ')}`);
    return {
      name: `${name}-n${version.slice(1).split('.')[0]}`,
      label: `${d.label}, Node ${version}`,
      node,
      nodeLabel: version,
      entry: d.bundle ? BUNDLE : AGENT_ENTRY,
      nodeArgs: d.nodeArgs(SHIPPED),
      env: d.env,
      rss: [],
    };
  }),
);

const tmp = mkdtempSync(join(tmpdir(), 'drover-bench-footprint-'));
const hub = await startHubProc(join(tmp, 'hub'), ['--heartbeat-interval', `${HEARTBEAT_MS}ms`]);
const client = hubApiClient(hub.dataDir);
const watch = new NodeReadyWatch(client);
await watch.start();
// The floor per Node version: an idle Node process that loaded nothing.
const floors = binaries.map((b) => ({
  ...b,
  proc: spawnNode('-e', ['setInterval(() => {}, 1 << 30)'], { node: b.node }),
  rss: [] as number[],
}));
const node = (v: Variant) => `fp-${v.name}`;

try {
  for (const v of variants) {
    const dataDir = join(tmp, v.name);
    mkdirSync(dataDir);
    v.proc = startAgentProc({
      mqtt: hub.mqtt,
      token: hub.token,
      caHash: hub.caHash,
      name: node(v),
      dataDir,
      entry: v.entry,
      node: v.node,
      nodeArgs: v.nodeArgs,
      env: v.env,
      args: ['--heartbeat-interval', `${HEARTBEAT_MS}ms`],
    });
  }
  for (const v of variants) {
    await watch.waitFor(node(v), true, READY_TIMEOUT_MS).catch((e: Error) => {
      throw new Error(`${e.message}\nagent output:\n${v.proc?.output()}`);
    });
  }
  const podNames: string[] = [];
  for (const v of variants)
    for (let i = 0; i < PODS; i++) {
      const name = `${node(v)}-${i}`;
      podNames.push(name);
      await client.create('pods', 'default', benchPod(name, i === 0 ? 'httpd' : 'sleep', node(v)));
    }
  let podsNote = `${PODS} pods Running per agent (1 httpd, ${PODS - 1} sleep)`;
  try {
    await waitPodsRunning(client, podNames, RUNNING_TIMEOUT_MS);
  } catch (e) {
    podsNote = `PODS NOT RUNNING: ${(e as Error).message}`;
    report.note(`measured anyway; ${podsNote}`);
  }
  console.log(`   ${podsNote}; settling ${SETTLE_MS / 1000} s, then sampling ${DURATION_MS / 1000} s`);
  await new Promise((r) => setTimeout(r, SETTLE_MS));

  const end = Date.now() + DURATION_MS;
  let nextLog = Date.now() + 60_000;
  while (Date.now() < end) {
    for (const v of variants) {
      if (!v.proc?.running()) continue;
      const s = sampleProc(v.proc.pid);
      v.first ??= s;
      v.last = s;
      v.rss.push(s.rssBytes / MB);
    }
    for (const f of floors) f.rss.push(sampleProc(f.proc.pid).rssBytes / MB);
    if (Date.now() >= nextLog) {
      nextLog += 60_000;
      console.log(
        `   ${Math.round((DURATION_MS - (end - Date.now())) / 1000)} s: ${variants.map((v) => `${v.name} ${fmt(v.rss.at(-1) ?? Number.NaN)} MB`).join(', ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
  }

  for (const v of variants) {
    const rssMed = median(v.rss);
    const cpu = v.first && v.last ? cpuPercent(v.first, v.last) : Number.NaN;
    const died = v.proc?.running() ? '' : `; agent exited early (${await v.proc?.exited})`;
    const plain = variants.find((p) => p.node === v.node && p.name.startsWith('plain-'));
    const floor = floors.find((f) => f.node === v.node);
    const saved =
      !plain || plain === v ? '' : `; ${fmt(median(plain.rss) - rssMed)} MB less than the plain build`;
    const share = floor ? `; ${fmt(rssMed - median(floor.rss))} MB above a bare node` : '';
    report.add(`RSS median, ${v.label}`, rssMed, 'MB', ANCHORS.agentRss, {
      met: rssMed <= RSS_GOAL_MB,
      note: `max ${fmt(max(v.rss))} MB${share}${saved}${v.nodeArgs.length ? `; flags ${v.nodeArgs.join(' ')}` : ''}${died}`,
    });
    report.add(`CPU mean, ${v.label}`, cpu, '% of a core', ANCHORS.agentCpu, { met: cpu <= CPU_GOAL_PCT });
  }
  for (const f of floors)
    report.add(
      `RSS median, idle bare node ${f.version} (floor)`,
      median(f.rss),
      'MB',
      { anchor: 'what Node alone costs on this machine', goal: '' },
      { note: 'nothing loaded' },
    );
  report.note(
    `where the memory goes: see docs/architecture.md (agent footprint); shipped flags: ${SHIPPED.join(' ') || 'none'}`,
  );
  report.note(
    `${podsNote}; ${variants.length} agents side by side, ${HEARTBEAT_MS / 1000} s heartbeats, sampled every ${SAMPLE_MS / 1000} s for ${DURATION_MS / 1000} s from /proc (the agent process only; dockerd and the containers are not counted); machine during the run: ${load.describe()}`,
  );
  report.write();
} finally {
  watch.stop();
  await Promise.all(variants.map((v) => v.proc?.stop()));
  load.stop();
  await Promise.all(floors.map((f) => f.proc.kill9()));
  await hub.stop();
  await Promise.all(variants.map((v) => removeNodeContainers(node(v))));
  rmSync(tmp, { recursive: true, force: true });
}
