// Fleet rollouts on the dashboard (issue #12: "rollout progress per wave once rollouts exist",
// and the actions a user expects): a real hub and six hollow boards (bench/sim over MQTTS), a
// DaemonSet under a two-wave Rollout, headless Chromium. The page follows the Rollout live
// (phase, boards updated, each wave's state) and its Pause / Resume / Abort buttons patch the
// Rollout's spec as `drover rollout pause|resume|abort` does; what the page shows is checked
// against the API's own object at each step.

import type { Browser } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Fleet, startFleet } from '../../bench/sim/fleet.js';
import type { Hub } from '../../hub/hub.js';
import type { DaemonSet } from '../../shared/api/apps.js';
import type { Rollout } from '../../shared/api/rollout.js';
import type { Node } from '../../shared/api/types.js';
import { serviceAccountToken } from '../helpers/api.js';
import { type DashboardPage, launchBrowser, openDashboard } from '../helpers/browser.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { testHub } from '../hub/gateway/harness.js';
import { daemonSetOf, setTemplateImage } from '../helpers/workloads.js';

const BOARDS = 6;
const CANARY = 'hollow-2';
const BAD = 'collector:bad';
/** Waits for the page and the rollout on a loaded 2-core machine, ms. */
const WAIT_MS = 60_000;

let hub: Hub;
let fleet: Fleet;
let browser: Browser;
let d: DashboardPage;

const c = () => hub.client;
const rollout = () => c().get<Rollout>('rollouts', 'default', 'collector');
const isReady = (n: Node) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');

test.before(async () => {
  try {
    hub = await testHub(tempDir('drover-ui-rollouts-'), { heartbeatIntervalMs: 1000, nodeGraceMs: 10_000 });
    fleet = await startFleet({
      hubUrl: hub.mqttUrl,
      caPem: hub.caPem,
      token: hub.bootstrapToken,
      nodes: BOARDS,
      nodesPerProcess: BOARDS,
      heartbeatIntervalMs: 1000,
      rampPerSecond: 50,
      podStartDelayMs: 100,
      crashImages: [BAD],
    });
    await waitFor(
      async () => (await c().list<Node>('nodes', undefined)).items.filter(isReady).length === BOARDS,
      { timeoutMs: WAIT_MS, intervalMs: 250, what: `${BOARDS} hollow boards Ready` },
    );
    await c().patch<Node>('nodes', undefined, CANARY, { metadata: { labels: { ring: 'canary' } } }, 'merge');
    await c().create<DaemonSet>('daemonsets', 'default', daemonSetOf('collector', 'collector:1'));
    await c().create<Rollout>('rollouts', 'default', {
      apiVersion: 'drover.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'collector', namespace: 'default' },
      spec: {
        targetRef: { kind: 'DaemonSet', name: 'collector' },
        waves: [
          { name: 'canary', selector: { matchLabels: { ring: 'canary' } } },
          { name: 'rest', percent: 100 },
        ],
        gate: { soakSeconds: 1, boardTimeoutSeconds: 60 },
      },
    });
    const token = await serviceAccountToken(hub.apiUrl, 'ui-rollouts', 'cluster-admin');
    browser = await launchBrowser();
    d = await openDashboard(browser, hub.apiUrl, token);
    await d.page.goto(`${hub.apiUrl}/ui/#/workloads`);
  } catch (e) {
    console.error('setup failed:', e);
    throw e;
  }
});

test.after(async () => {
  await browser?.close();
  await fleet?.stop();
  await hub?.stop();
  cleanupTempDirs();
});

const setImage = (image: string) => setTemplateImage(c(), 'daemonsets', 'default', 'collector', image);

const text = (testid: string) =>
  d.page.$eval(`[data-testid="${testid}"]`, (e) => e.textContent ?? '').catch(() => undefined);

/** Waits until the API's Rollout is in phase and the page shows that phase. */
async function phaseOnPage(phase: string): Promise<Rollout> {
  const ro = await waitFor(
    async () => {
      const r = await rollout();
      return r.status?.phase === phase ? r : undefined;
    },
    { timeoutMs: WAIT_MS, intervalMs: 200, what: `rollout ${phase} in the API` },
  );
  await waitFor(async () => (await text('phase-collector')) === phase, {
    timeoutMs: WAIT_MS,
    what: `the page showing ${phase}`,
  });
  return ro;
}

async function click(testid: string): Promise<void> {
  await d.page.waitForSelector(`[data-testid="${testid}"]`, { timeout: WAIT_MS });
  await d.page.click(`[data-testid="${testid}"]`);
}

async function waveStates(): Promise<string[]> {
  return [await text('wave-state-collector-canary'), await text('wave-state-collector-rest')].map(
    (s) => s ?? '',
  );
}

test('the page shows the rollout, its target and its waves as the API has them', async () => {
  const ro = await phaseOnPage('Healthy');
  assert.is(ro.status?.boards, BOARDS);
  const card = await d.page.$eval('[data-rollout="collector"] h3', (e) => e.textContent ?? '');
  assert.match(card, 'daemonset/collector');
  const waves = await d.page.$$eval('[data-rollout="collector"] tr[data-wave]', (rows) =>
    rows.map((r) => r.getAttribute('data-wave')),
  );
  assert.equal(waves, ['canary', 'rest']);
});

test('Pause holds a new revision at the canary wave; Resume completes every wave', async () => {
  await click('rollout-pause-collector');
  await waitFor(async () => (await rollout()).spec.paused === true, {
    timeoutMs: WAIT_MS,
    what: 'spec.paused',
  });
  await setImage('collector:2');
  const paused = await phaseOnPage('Paused');
  assert.is(paused.status?.updatedBoards ?? 0, 0, 'no board updated while paused');
  await waitFor(async () => (await waveStates())[0] === 'paused', {
    timeoutMs: WAIT_MS,
    what: 'canary paused',
  });
  await click('rollout-resume-collector');
  const done = await phaseOnPage('Completed');
  assert.is(done.spec.paused, false);
  await waitFor(async () => (await waveStates()).join() === 'passed,passed', {
    timeoutMs: WAIT_MS,
    what: 'both waves passed on the page',
  });
  const bar = await d.page.$eval('[data-rollout="collector"] > .bar', (e) => e.getAttribute('title'));
  assert.is(bar, `${BOARDS} / ${BOARDS} boards updated`);
});

test('a crashing image: the page shows the rollback and the canary wave failed', async () => {
  await setImage(BAD);
  const ro = await phaseOnPage('RolledBack');
  const failed = ro.status?.waves?.[0]?.failed ?? 0;
  assert.ok(failed >= 1, 'the API counts the canary failed');
  await waitFor(async () => (await waveStates())[0] === 'failed', {
    timeoutMs: WAIT_MS,
    what: 'canary failed',
  });
  const cell = await d.page.$eval('[data-wave="canary"] td.bad', (e) => e.textContent);
  assert.is(cell, String(failed), 'the failed count is marked');
});

test('Abort sets spec.abort and leaves only Resume; Resume clears it', async () => {
  await click('rollout-abort-collector');
  await waitFor(async () => (await rollout()).spec.abort === true, {
    timeoutMs: WAIT_MS,
    what: 'spec.abort',
  });
  await d.page.waitForSelector('[data-testid="rollout-resume-collector"]', { timeout: WAIT_MS });
  assert.not.ok(await d.page.$('[data-testid="rollout-pause-collector"]'), 'no Pause while aborted');
  await click('rollout-resume-collector');
  await waitFor(
    async () => {
      const r = await rollout();
      return r.spec.abort === false && r.spec.paused === false;
    },
    { timeoutMs: WAIT_MS, what: 'abort and pause cleared' },
  );
  assert.not.ok(await d.page.$('.error'), 'no error shown');
  assert.equal(d.errors, []);
});

test.run();
