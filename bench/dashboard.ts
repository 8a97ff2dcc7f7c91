// The dashboard's fleet overview with 10,000 hollow boards (issue #12): a real hub holding a
// simulated fleet (bench/sim), the overview opened in headless Chromium (Debian's package via
// puppeteer-core). Measures the time to first render of the whole fleet (navigation -> the list
// holds every board and shows rows), the response to a filter click, frame times while
// scrolling the virtualized list from top to bottom, and the page's JS heap after GC.
// Boards come from the fleet simulator (--source sim, the default: real joins, heartbeats and
// status reports over MQTT) or, where this machine cannot hold that fleet, as Node objects
// written through the API (--source api: the page sees the same objects; the node lifecycle
// controller then turns them all Unknown, a burst of 10,000 watch events the page must absorb).
// Run alone: node dist/bench/dashboard.js [--nodes 10000] [--source sim|api] [--ramp 30]
//   [--per-process 2500] [--scroll-steps 200] [--ready-timeout 15m]

import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { isAlreadyExists, ServiceUnavailableError } from '../hub/api/errors.js';
import { adminBearerToken, hubApiClient } from './lib/hub-client.js';
import type { Node } from '../shared/api/types.js';
import { DROVER_VERSION } from '../shared/protocol/constants.js';
import { launchBrowser } from '../test/helpers/browser.js';
import { ANCHORS } from './lib/anchors.js';
import { BenchArgs } from './lib/args.js';
import { type HubChild, startHubChild } from './lib/hub-child.js';
import { NodeTracker } from './lib/node-tracker.js';
import { BenchReport } from './lib/report.js';
import { fmt, summarize } from './lib/stats.js';
import { type Fleet, startFleet } from './sim/fleet.js';

const args = new BenchArgs();
const NODES = args.number('nodes', 10_000);
const SOURCE = args.string('source', 'sim');
if (SOURCE !== 'sim' && SOURCE !== 'api') throw new Error(`--source must be sim or api, not ${SOURCE}`);
/** Node objects written at once with --source api. */
const API_CONCURRENCY = 16;
const RAMP = args.number('ramp', 30); // joins started per second (the hub keeps up with ~30/s here)
const PER_PROCESS = args.number('per-process', 2500);
const SCROLL_STEPS = args.number('scroll-steps', 200); // scroll positions from top to bottom
const READY_TIMEOUT_MS = args.durationMs('ready-timeout', 15 * 60_000);
const RENDER_TIMEOUT_MS = 120_000;
/** No new Ready board for this long: the fleet is as large as this machine takes; measure it, ms. */
const STALL_MS = 60_000;
let TOKEN = '';

const given = ['nodes', 'source', 'ramp', 'scroll-steps'].filter((k) => args.has(k));
const command = `npm run bench -- dashboard${given.map((k) => ` --${k} ${args.string(k, '')}`).join('')}`;
const report = new BenchReport('dashboard', 'Dashboard with a large fleet', command, {
  nodes: NODES,
  source: SOURCE,
  rampPerSecond: RAMP,
  scrollSteps: SCROLL_STEPS,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Page-side code as strings: this file is compiled without the DOM library.
/** performance.now() (ms since navigation) once the list holds every board and shows rows; 0 before. */
const RENDERED = (n: number) =>
  `(() => { const l = document.querySelector('[data-testid=boards]'); return l && l.dataset.count === '${n}' && document.querySelector('[data-board]') ? performance.now() : 0; })()`;
/** Scrolls the list top to bottom, one step per frame; resolves with each frame's duration, ms. */
const SCROLL = (steps: number) => `new Promise((resolve) => {
  const l = document.querySelector('[data-testid=boards]');
  const frames = [];
  let i = 0;
  let last = performance.now();
  const step = (t) => {
    frames.push(t - last);
    last = t;
    if (i > ${steps}) return resolve(frames.slice(1));
    l.scrollTop = (l.scrollHeight - l.clientHeight) * (i++ / ${steps});
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
})`;
/** Clicks the Ready card (filter on, or off again) and resolves with the ms until the frame after the DOM shows it. */
const FILTER_CLICK = (on: boolean) => `new Promise((resolve) => {
  const t0 = performance.now();
  document.querySelector('[data-testid="count-state-Ready"]').click();
  const check = () => {
    if (!!document.querySelector('[data-testid="count-state-Ready"].on') === ${on}) requestAnimationFrame(() => resolve(performance.now() - t0));
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})`;

async function heapMb(page: Page): Promise<number> {
  const cdp = await page.createCDPSession();
  await cdp.send('HeapProfiler.collectGarbage');
  const m = await page.metrics();
  await cdp.detach();
  return (m.JSHeapUsedSize ?? 0) / 1024 / 1024;
}

/** Starts the simulated fleet; returns how many Node objects exist when it is as large as it gets. */
async function simFleet(h: HubChild): Promise<number> {
  tracker = new NodeTracker(hubApiClient(dataDir), (n) => n.startsWith('hollow-'));
  await tracker.start();
  const t = tracker;
  console.log(`   starting ${NODES} hollow boards (ramp ${RAMP}/s)`);
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
  let lastLog = 0;
  let best = 0;
  let bestAt = Date.now();
  const stalled = () => best > 0 && Date.now() - bestAt > STALL_MS;
  while (t.readyCount() < NODES && Date.now() - t0 < READY_TIMEOUT_MS && !stalled()) {
    await sleep(500);
    if (t.readyCount() > best) {
      best = t.readyCount();
      bestAt = Date.now();
    }
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      const c = fleet.counters();
      console.log(
        `     ${Math.round((Date.now() - t0) / 1000)} s: joined ${c.joined}, Ready ${t.readyCount()}/${NODES}, join errors ${c.joinErrors}`,
      );
    }
  }
  const ready = t.readyCount();
  // Every joined board is a Node object, Ready or not: the page must show them all.
  const total = (await hubApiClient(dataDir).list('nodes', undefined)).items.length;
  if (total === 0) throw new Error(`no board joined within ${READY_TIMEOUT_MS / 1000} s: nothing to measure`);
  if (ready < NODES)
    report.note(
      `${ready} of ${NODES} boards Ready (${total} Node objects) when the page opened: joins stalled on this machine (${fleet.counters().joinErrors} join errors)`,
    );
  return total;
}

/** Hollow boards as Node objects written through the API (Ready, with arch and labels). */
async function apiFleet(): Promise<number> {
  const api = hubApiClient(dataDir);
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: API_CONCURRENCY }, async () => {
      for (let i = next++; i < NODES; i = next++) await createRetrying(api, hollowNode(i));
    }),
  );
  console.log(
    `   ${NODES} Node objects written in ${fmt((Date.now() - t0) / 1000)} s (${retriedCreates} creates retried after a network failure)`,
  );
  report.note(
    `--source api: the ${NODES} boards are Node objects written through the API (Ready, arm64/amd64, region and ring labels), no agents; the node lifecycle controller marks them unreachable after its grace while the page is open`,
  );
  return NODES;
}

/** Attempts per Node object: on a loaded machine a keep-alive socket the hub has just closed fails a create. */
const CREATE_ATTEMPTS = 5;

/** Creates the Node, again after a network failure; one that exists already (the lost answer of a create that went through) counts. */
async function createRetrying(api: ReturnType<typeof hubApiClient>, n: Node): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await api.create<Node>('nodes', undefined, n);
      return;
    } catch (e) {
      if (isAlreadyExists(e)) return;
      if (!(e instanceof ServiceUnavailableError) || attempt >= CREATE_ATTEMPTS) throw e;
      retriedCreates++;
    }
  }
}
let retriedCreates = 0;

function hollowNode(i: number): Node {
  const now = new Date().toISOString();
  const name = `hollow-${String(i).padStart(5, '0')}`;
  const arch = i % 3 === 0 ? 'amd64' : 'arm64';
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/arch': arch,
        'drover.io/region': `r${i % 7}`,
        'drover.io/ring': i % 10 === 0 ? 'canary' : 'stable',
      },
    },
    spec: {},
    status: {
      capacity: { cpu: '4', memory: '4Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '3800Mi', pods: '110' },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'hollow',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      nodeInfo: {
        machineID: name,
        systemUUID: name,
        bootID: name,
        kernelVersion: '6.1.0-hollow',
        osImage: 'Hollow Linux',
        containerRuntimeVersion: 'hollow://1.0',
        kubeletVersion: DROVER_VERSION,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: arch,
      },
    },
  };
}

const dataDir = mkdtempSync(join(tmpdir(), 'drover-bench-ui-'));
let hub: HubChild | undefined;
let fleet: Fleet | undefined;
let tracker: NodeTracker | undefined;
let browser: Browser | undefined;
try {
  hub = await startHubChild({ dataDir, apiPort: 0, mqttPort: 0, mqttHost: '127.0.0.1', logLevel: 'warn' });
  TOKEN = await adminBearerToken(dataDir);
  const h = hub;
  const total = SOURCE === 'sim' ? await simFleet(h) : await apiFleet();
  browser = await launchBrowser();
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 760 });
  await page.evaluateOnNewDocument(`sessionStorage.setItem('drover.token', '${TOKEN}')`);
  await page.goto(`${h.api}/ui/`);
  const first = await page.waitForFunction(RENDERED(total), { timeout: RENDER_TIMEOUT_MS, polling: 'raf' });
  const firstRenderMs = (await first.jsonValue()) as number;
  console.log(`   first render of ${total} boards: ${fmt(firstRenderMs)} ms after navigation`);
  const clickMs = (await page.evaluate(FILTER_CLICK(true))) as number;
  await page.evaluate(FILTER_CLICK(false)); // back to every board
  const m0 = await page.metrics();
  const frames = (await page.evaluate(SCROLL(SCROLL_STEPS))) as number[];
  const m1 = await page.metrics();
  // Where the scroll's main-thread time went, ms (Chromium's Performance domain counters).
  const spent = (k: 'ScriptDuration' | 'LayoutDuration' | 'RecalcStyleDuration' | 'TaskDuration') =>
    ((m1[k] ?? 0) - (m0[k] ?? 0)) * 1000;
  const where = `main thread during the scroll: tasks ${fmt(spent('TaskDuration'))} ms, script ${fmt(spent('ScriptDuration'))} ms, layout ${fmt(spent('LayoutDuration'))} ms, style ${fmt(spent('RecalcStyleDuration'))} ms`;
  console.log(`   ${where}`);
  const fs = summarize(frames);
  const rows = await page.$$eval('[data-board]', (els) => els.length);
  const heap = await heapMb(page);
  console.log(
    `   filter click ${fmt(clickMs)} ms; scroll frames p50 ${fmt(fs.p50)} / p99 ${fmt(fs.p99)} ms; ${rows} rows in the DOM; heap ${fmt(heap)} MB`,
  );

  report.add(`time to first render, ${total} boards`, firstRenderMs / 1000, 's', ANCHORS.firstRender, {
    met: firstRenderMs <= 2500,
    note: `navigation -> list holds all ${total} boards and shows rows (list in pages of 500, then watch)`,
  });
  report.add('filter click -> rendered', clickMs, 'ms', ANCHORS.interaction, {
    met: clickMs <= 100,
    note: `click on a state card (filters ${total} boards) until the next frame after the DOM changed`,
  });
  report.add('frame time while scrolling, p99', fs.p99, 'ms', ANCHORS.frames, {
    met: fs.p99 <= 50,
    note: `p50 ${fmt(fs.p50)} ms, max ${fmt(fs.max)} ms over ${frames.length} frames, top to bottom; ${rows} rows in the DOM (virtualized); ${where}`,
  });
  report.add(`page JS heap, ${total} boards`, heap, 'MB', ANCHORS.pageHeap, {
    note: 'JSHeapUsedSize after a forced GC, live watch open',
  });
  report.note(
    `hub, ${SOURCE === 'sim' ? `${Math.ceil(NODES / PER_PROCESS)} simulator processes` : 'this client'} and headless Chromium share the machine's ${report.result.machine.cpus} cores (load average ${loadavg()[0].toFixed(1)} at the end, other work included); Chromium ${(await browser.version()).replace('HeadlessChrome/', '')}`,
  );
  report.write();
} finally {
  await browser?.close();
  tracker?.stop();
  await fleet?.stop();
  await hub?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
