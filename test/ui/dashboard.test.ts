// The dashboard in a real browser (Debian's Chromium through puppeteer-core) against a real
// hub process with real agents on the real Docker engine: the overview lists the boards live,
// a killed agent's row turns not-ready without a reload, scaling from the page changes the
// Deployment, a pod's logs appear and keep following, the board page charts the board's usage
// history, and every API call carries the token.
// DROVER_SCREENSHOTS_DIR=docs regenerates the README's screenshots.

import { serviceAccountToken } from '../helpers/api.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Deployment } from '../../shared/api/apps.js';
import type { Pod } from '../../shared/api/types.js';
import type { NodeUsageHistory } from '../../shared/api/usage.js';
import { Cluster, IMAGE, running } from '../e2e/pods-harness.js';
import { getJson } from '../helpers/api.js';
import { type DashboardPage, launchBrowser, openDashboard } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const c = new Cluster([
  { name: 'ui-a', labels: { region: 'eu', ring: 'canary' } },
  { name: 'ui-b', labels: { region: 'us', ring: 'stable' } },
]);
/** A real bearer token: a ServiceAccount bound to cluster-admin, as an operator signs in. */
let TOKEN = '';
const SHOTS = process.env.DROVER_SCREENSHOTS_DIR ?? tempDir('drover-ui-shots-');
/** Browser-side waits: generous, a loaded 2-core machine runs hub, agents, Docker and Chromium. */
const UI_WAIT_MS = 20_000;
let browser: Browser;
let d: DashboardPage;

test.before(async () => {
  try {
    mkdirSync(SHOTS, { recursive: true });
    await c.start();
    TOKEN = await serviceAccountToken(c.hub.apiUrl, 'dashboard', 'cluster-admin');
    browser = await launchBrowser();
    d = await openDashboard(browser, c.hub.apiUrl, TOKEN);
  } catch (e) {
    // The hub's output first: CI shows the end of a failure's output, where the cause belongs.
    console.error(c.hub ? c.hub.output().slice(-3000) : '', '\nsetup failed:', e);
    throw e;
  }
});

test.after(async () => {
  await browser?.close();
  await c.stop();
});

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      terminationGracePeriodSeconds: 1
      nodeSelector: {kubernetes.io/hostname: ui-a}
      containers:
      - name: main
        image: ${IMAGE}
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 1; done"]
`;

async function boardState(name: string): Promise<string | null> {
  return d.page.$eval(`[data-board="${name}"] [data-state]`, (el) => el.getAttribute('data-state'));
}

function count(selector: string): Promise<number> {
  return d.page.$$eval(selector, (els) => els.length);
}

function text(selector: string): Promise<string | null> {
  return d.page.$eval(selector, (el) => el.textContent).catch(() => null);
}

/** Polls the page until pred holds (the page is never reloaded by this). */
function until(pred: () => Promise<boolean>, what: string, timeoutMs = UI_WAIT_MS): Promise<boolean> {
  return waitFor(pred, { timeoutMs, what });
}

test('overview lists every board live with counts by state and by label; the token rides on every call', async () => {
  const p = d.page;
  await until(async () => (await count('[data-board] [data-state="Ready"]')) === 2, 'two Ready rows');
  assert.is(await boardState('ui-a'), 'Ready');
  assert.is(await boardState('ui-b'), 'Ready');
  assert.is(await p.$eval('[data-testid="count-state-Ready"] .n', (el) => el.textContent), '2');
  await p.select('[data-testid=group-label]', 'drover.io/region');
  await p.waitForSelector('[data-testid="count-label-eu"]', { timeout: UI_WAIT_MS });
  assert.is(await p.$eval('[data-testid="count-label-eu"] .n', (el) => el.textContent), '1');
  // The hub filters by label selector (server side): one board left, the other not listed.
  await p.locator('[data-testid=selector]').fill('drover.io/region=us');
  await p.keyboard.press('Enter');
  await until(async () => (await count('[data-board]')) === 1, '1 rows');
  assert.ok(await p.$('[data-board="ui-b"]'));
  assert.ok(
    d.apiCalls.some((a) => a.path.startsWith('/api/v1/nodes?labelSelector=drover.io%2Fregion%3Dus&limit=')),
    'the selector went to the hub',
  );
  await p.click('[data-testid=selector]', { count: 3 });
  await p.keyboard.press('Backspace');
  await p.keyboard.press('Enter');
  await until(async () => (await count('[data-board]')) === 2, '2 rows');
  await p.select('[data-testid=group-label]', 'drover.io/ring');
  await p.screenshot({ path: join(SHOTS, 'dashboard-overview.png') });

  assert.ok(d.apiCalls.length > 0);
  const without = d.apiCalls.filter((a) => a.authorization !== `Bearer ${TOKEN}`);
  assert.equal(without, [], 'every API call carries the bearer token');
  assert.is(await p.evaluate('sessionStorage.getItem("drover.token")'), TOKEN);
  assert.equal(d.errors, []);
});

test('scaling from the workloads page changes the Deployment', async () => {
  const r = await c.apply(WEB);
  assert.is(r.code, 0, r.stderr);
  const p = d.page;
  await p.goto(`${c.hub.apiUrl}/ui/#/workloads`);
  await p.waitForSelector('[data-deployment="web"]', { timeout: UI_WAIT_MS });
  await until(async () => (await text('[data-testid="ready-web"]')) === '1/1', 'web ready 1/1', UI_WAIT_MS);
  await p.locator('[data-testid=replicas-web]').fill('2');
  await p.locator('[data-testid=scale-web]').click();
  const dep = await waitFor(
    async () => {
      const x = await getJson<Deployment>(c.hub.apiUrl, '/apis/apps/v1/namespaces/default/deployments/web');
      return x.spec.replicas === 2 ? x : undefined;
    },
    { timeoutMs: UI_WAIT_MS, what: 'deployment web scaled to 2' },
  );
  assert.is(dep.spec.replicas, 2);
  // The page follows the rollout through its watch.
  await until(async () => (await text('[data-testid="ready-web"]')) === '2/2', 'web ready 2/2', 40_000);
  // Pause and resume (kubectl rollout pause/resume): spec.paused, and the button says what is next.
  const paused = async () =>
    (await getJson<Deployment>(c.hub.apiUrl, '/apis/apps/v1/namespaces/default/deployments/web')).spec
      .paused === true;
  await p.locator('[data-testid=pause-web]').click();
  await waitFor(paused, { timeoutMs: UI_WAIT_MS, what: 'web paused' });
  await until(async () => (await text('[data-testid=pause-web]')) === 'Resume', 'the Resume button');
  await p.locator('[data-testid=pause-web]').click();
  await waitFor(async () => !(await paused()), { timeoutMs: UI_WAIT_MS, what: 'web resumed' });
  assert.equal(d.errors, []);
});

test('cordon and uncordon from the board page', async () => {
  const p = d.page;
  await p.goto(`${c.hub.apiUrl}/ui/#/boards/ui-b`);
  await p.waitForSelector('[data-testid=cordon]', { timeout: UI_WAIT_MS });
  const unschedulable = async () =>
    (await getJson<{ spec?: { unschedulable?: boolean } }>(c.hub.apiUrl, '/api/v1/nodes/ui-b')).spec
      ?.unschedulable === true;
  await p.locator('[data-testid=cordon]').click();
  await waitFor(unschedulable, { timeoutMs: UI_WAIT_MS, what: 'ui-b cordoned' });
  await until(async () => (await text('[data-testid=cordon]')) === 'Uncordon', 'the Uncordon button');
  await p.locator('[data-testid=cordon]').click();
  await waitFor(async () => !(await unschedulable()), { timeoutMs: UI_WAIT_MS, what: 'ui-b uncordoned' });
  assert.equal(d.errors, []);
});

test('the events page streams events and filters them by type (on the hub) and by text', async () => {
  const p = d.page;
  await p.goto(`${c.hub.apiUrl}/ui/#/events`);
  const rows = () =>
    p.$$eval('[data-testid=events] .events-row', (els) => els.map((e) => e.textContent ?? ''));
  await until(async () => (await rows()).some((r) => r.includes('Scheduled')), 'a Scheduled event');
  await p.locator('[data-testid=ev-text]').fill('ScalingReplicaSet');
  await until(async () => {
    const r = await rows();
    return r.length > 0 && r.every((x) => x.includes('ScalingReplicaSet'));
  }, 'only ScalingReplicaSet rows');
  await p.locator('[data-testid=ev-text]').fill('');
  await p.select('[data-testid=ev-type]', 'Warning');
  await until(async () => (await rows()).every((x) => x.includes('Warning')), 'only Warning rows');
  assert.ok(
    d.apiCalls.some((a) => a.path.startsWith('/api/v1/events?fieldSelector=type%3DWarning')),
    'the type filter went to the hub',
  );
  assert.equal(d.errors, []);
});

test("a board page shows the board's pods and follows a pod's logs", async () => {
  const pods = await waitFor(
    async () => {
      const l = await getJson<{ items: Pod[] }>(
        c.hub.apiUrl,
        '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb',
      );
      return l.items.filter(running).length > 0 ? l.items.filter(running) : undefined;
    },
    { timeoutMs: UI_WAIT_MS, what: 'a running web pod' },
  );
  const pod = pods[0].metadata.name!;
  const p = d.page;
  await p.goto(`${c.hub.apiUrl}/ui/#/boards/ui-a`);
  await p.waitForSelector(`[data-pod="${pod}"]`, { timeout: UI_WAIT_MS });
  await p.locator(`[data-testid="logs-${pod}"]`).click();
  await until(async () => /tick-\d+/.test((await text('[data-testid=logs]')) ?? ''), 'log lines');
  const last = () =>
    p.$eval('[data-testid=logs]', (el) => {
      const m = [...(el.textContent ?? '').matchAll(/tick-(\d+)/g)];
      return Number(m[m.length - 1][1]);
    });
  const first = await last();
  // Follow: new lines arrive on the open stream, no reload.
  await waitFor(async () => (await last()) > first + 1, {
    timeoutMs: UI_WAIT_MS,
    what: 'followed log lines',
  });
  // Usage history: the chart shows what the hub keeps for the board (its status reports' usage).
  await until(async () => {
    const h = await getJson<NodeUsageHistory>(c.hub.apiUrl, '/api/v1/nodes/ui-a/usage');
    const shown = await p
      .$eval('[data-testid=usage]', (el) => el.getAttribute('data-samples'))
      .catch(() => null);
    return h.samples.length > 0 && shown === String(h.samples.length);
  }, 'the usage chart with the hub samples');
  assert.match((await text('[data-testid=usage-cpu]')) ?? '', /^CPU (\d+(\.\d)?|\?)%$/);
  assert.match((await text('[data-testid=usage-memory]')) ?? '', /^memory \d/);
  await p.screenshot({ path: join(SHOTS, 'dashboard-board.png'), fullPage: true });
  assert.equal(d.errors, []);
});

test("drain from the board page cordons it and evicts its pods; the Deployment's pods move", async () => {
  const p = d.page;
  await p.goto(`${c.hub.apiUrl}/ui/#/boards/ui-a`);
  await p.waitForSelector('[data-testid=drain]', { timeout: UI_WAIT_MS });
  const webPods = async () =>
    (await getJson<{ items: Pod[] }>(c.hub.apiUrl, '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb'))
      .items;
  const before = (await webPods()).filter((x) => x.spec.nodeName === 'ui-a').map((x) => x.metadata.uid);
  assert.ok(before.length > 0, 'web runs on ui-a');
  p.once('dialog', (dlg) => void dlg.accept());
  await p.locator('[data-testid=drain]').click();
  await waitFor(
    async () =>
      (await getJson<{ spec?: { unschedulable?: boolean } }>(c.hub.apiUrl, '/api/v1/nodes/ui-a')).spec
        ?.unschedulable,
    { timeoutMs: UI_WAIT_MS, what: 'ui-a cordoned by the drain' },
  );
  // Evicted: the old pods are gone or going (the ReplicaSet makes new ones; ui-a is cordoned and
  // the template pins it there, so they wait Pending rather than land on ui-a again).
  await waitFor(
    async () =>
      (await webPods()).every((x) => !before.includes(x.metadata.uid) || !!x.metadata.deletionTimestamp),
    { timeoutMs: UI_WAIT_MS, what: "ui-a's web pods evicted" },
  );
  const after = await webPods();
  assert.ok(after.every((x) => !before.includes(x.metadata.uid) || x.metadata.deletionTimestamp));
  assert.not.ok(await p.$('.error'), 'no error shown');
  assert.equal(d.errors, []);
});

test('killing an agent turns its row not-ready without a reload', async () => {
  const p = d.page;
  await p.goto(`${c.hub.apiUrl}/ui/#/`);
  await until(async () => (await count('[data-board] [data-state="Ready"]')) === 2, 'two Ready rows');
  // A mark on this page's window: a reload would lose it.
  const marker = await p.evaluate('window.droverTestMark = 42');
  await c.agents['ui-b'].kill9();
  await until(async () => (await boardState('ui-b')) !== 'Ready', 'ui-b not Ready in the page');
  assert.is.not(await boardState('ui-b'), 'Ready');
  assert.is(await boardState('ui-a'), 'Ready');
  assert.is(await p.evaluate('window.droverTestMark'), marker, 'same page: no reload');
  assert.is(await p.$eval('[data-testid="count-state-Ready"] .n', (el) => el.textContent), '1');
  assert.equal(d.errors, []);
});

test.run();
