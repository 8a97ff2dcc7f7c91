// Restart from the workloads page (issue #12: the actions a user expects): a Deployment's and a
// DaemonSet's Restart button patch the pod template's restartedAt annotation, as `kubectl
// rollout restart` does, with the signed-in user's token. A real hub (no boards needed: the
// claim is the API call), headless Chromium. Scale, pause/resume, cordon and drain are in
// dashboard.test.ts with real agents.
import type { Browser } from 'puppeteer-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DaemonSet, Deployment } from '../../shared/api/apps.js';
import type { Hub } from '../../hub/hub.js';
import { apiFetch, getJson, serviceAccountToken } from '../helpers/api.js';
import { type DashboardPage, launchBrowser, openDashboard } from '../helpers/browser.js';
import { waitFor } from '../helpers/wait.js';
import { tempDir, testHub } from '../hub/gateway/harness.js';

let dir: ReturnType<typeof tempDir>;
let hub: Hub;
let browser: Browser;
let d: DashboardPage;
let TOKEN = '';
const UI_WAIT_MS = 20_000;
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

const template = {
  metadata: { labels: { app: 'r' } },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
};

test.before(async () => {
  try {
    dir = tempDir();
    hub = await testHub(dir.path);
    for (const [path, body] of [
      [
        '/apis/apps/v1/namespaces/default/deployments',
        {
          metadata: { name: 'r-dep' },
          spec: { replicas: 0, selector: { matchLabels: { app: 'r' } }, template },
        },
      ],
      [
        '/apis/apps/v1/namespaces/default/daemonsets',
        { metadata: { name: 'r-ds' }, spec: { selector: { matchLabels: { app: 'r' } }, template } },
      ],
    ] as const) {
      const res = await apiFetch(hub.apiUrl, path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.is(res.status, 201, await res.text());
    }
    TOKEN = await serviceAccountToken(hub.apiUrl, 'ui-actions', 'cluster-admin');
    browser = await launchBrowser();
    d = await openDashboard(browser, hub.apiUrl, TOKEN);
  } catch (e) {
    console.error('setup failed:', e);
    throw e;
  }
});

test.after(async () => {
  await browser?.close();
  await hub?.stop();
  dir?.cleanup();
});

const restartedAt = async (path: string) =>
  (await getJson<Deployment | DaemonSet>(hub.apiUrl, path)).spec.template.metadata?.annotations?.[
    RESTARTED_AT
  ];

for (const [what, button, path] of [
  ['Deployment', 'restart-r-dep', '/apis/apps/v1/namespaces/default/deployments/r-dep'],
  ['DaemonSet', 'restart-ds-r-ds', '/apis/apps/v1/namespaces/default/daemonsets/r-ds'],
] as const)
  test(`Restart on a ${what} sets its template's restartedAt, as kubectl rollout restart`, async () => {
    const p = d.page;
    await p.goto(`${hub.apiUrl}/ui/#/workloads`);
    await p.waitForSelector(`[data-testid=${button}]`, { timeout: UI_WAIT_MS });
    assert.is(await restartedAt(path), undefined);
    const before = Date.now();
    await p.click(`[data-testid=${button}]`);
    const at = await waitFor(() => restartedAt(path), { timeoutMs: UI_WAIT_MS, what: `${what} restarted` });
    assert.ok(Date.parse(at) >= before - 1000, `restartedAt ${at} is the click's time`);
    assert.not.ok(await p.$('.error'), 'no error shown');
    assert.ok(
      d.apiCalls.every((a) => a.authorization === `Bearer ${TOKEN}`),
      'with the user token',
    );
    assert.equal(d.errors, []);
  });

test.run();
