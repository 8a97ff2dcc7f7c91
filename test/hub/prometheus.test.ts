// /metrics of a real hub with a real agent: Kubernetes' metric names where they apply
// (apiserver_*, scheduler_*, workqueue_*) with values that move when the system does, the
// fleet gauges (boards by Ready, connections, heartbeat lag) following a kill -9 of the agent,
// and every line of the exposition well-formed (Prometheus text format 0.0.4).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { metricSum as sum } from '../../bench/lib/prom-text.js';
import { nodeReady } from '../helpers/api.js';
import {
  DIST,
  type HubProcess,
  killAll,
  startAgentProcess,
  startHubProcess,
  type AgentProcess,
} from '../helpers/procs.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

let hub: HubProcess;
let agent: AgentProcess;

test.before(async () => {
  try {
    hub = await startHubProcess({ args: ['--heartbeat-interval', '1s', '--node-grace', '5s'] });
    agent = startAgentProcess({
      hub,
      name: 'prom-a',
      args: ['--heartbeat-interval', '1s', '--docker-socket', '/nonexistent/docker.sock'],
    });
    await waitFor(async () => (await nodeReady(hub.apiUrl, 'prom-a')) === 'True', {
      timeoutMs: 20_000,
      what: 'prom-a Ready',
    });
  } catch (e) {
    console.error('setup failed:', e, hub?.output().slice(-3000));
    throw e;
  }
});
test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

async function scrape(): Promise<string> {
  const r = await fetch(`${hub.apiUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  assert.is(r.status, 200);
  return r.text();
}

/** The value of one series (exact name and labels as rendered), undefined when absent. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('every line is a comment or a well-formed sample; each metric has HELP and TYPE', async () => {
  const text = await scrape();
  const typed = new Set<string>();
  for (const l of text.split('\n')) {
    if (l === '') continue;
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$/.exec(l);
    if (t) {
      typed.add(t[1]);
      continue;
    }
    if (l.startsWith('# HELP ')) continue;
    const m =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$/.exec(
        l,
      );
    assert.ok(m, `malformed line: ${l}`);
    const base = m[1].replace(/_(bucket|sum|count)$/, '');
    assert.ok(typed.has(m[1]) || typed.has(base), `${m[1]} without a TYPE line`);
  }
});

test('Kubernetes names: apiserver requests, scheduler attempts and e2e latency, controller work queues', async () => {
  const before = await scrape();
  const podsBefore = sum(before, 'apiserver_request_total', { resource: 'pods', verb: 'create' });
  const scheduledBefore = sum(before, 'scheduler_pod_scheduling_duration_seconds_count');
  const r = await fetch(`${hub.apiUrl}/api/v1/namespaces/default/pods`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'prom-pod' },
      spec: { containers: [{ name: 'c', image: 'drover-test/busybox:1' }] },
    }),
  });
  assert.is(r.status, 201, await r.text());
  const text = await waitFor(
    async () => {
      const t = await scrape();
      return sum(t, 'scheduler_pod_scheduling_duration_seconds_count') > scheduledBefore ? t : undefined;
    },
    { timeoutMs: 10_000, what: 'the pod counted as scheduled' },
  );
  assert.is(
    sum(text, 'apiserver_request_total', { resource: 'pods', verb: 'create', code: '201' }),
    podsBefore + 1,
  );
  assert.ok(sum(text, 'apiserver_request_duration_seconds_count', { resource: 'pods', verb: 'create' }) >= 1);
  assert.ok(sum(text, 'scheduler_schedule_attempts_total', { result: 'scheduled' }) >= 1);
  assert.ok(sum(text, 'scheduler_pod_scheduling_duration_seconds_count', { attempts: '1' }) >= 1);
  assert.ok(value(text, 'scheduler_pending_pods{queue="active"}') !== undefined);
  // The controllers' queues under client-go's names, one series per controller.
  assert.ok(
    sum(text, 'workqueue_adds_total', { name: 'node-lifecycle' }) >= 1,
    'node lifecycle queue counted',
  );
  assert.ok(value(text, 'workqueue_depth{name="node-lifecycle"}') !== undefined);
  assert.ok(sum(text, 'workqueue_work_duration_seconds_count') >= 1);
});

test('the Grafana dashboard in docs/ asks only for metrics this hub exports', async () => {
  const text = await scrape();
  const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
  const dash = JSON.parse(readFileSync(join(DIST, '..', 'docs', 'grafana-dashboard.json'), 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  assert.ok(dash.panels.length >= 10);
  const used = new Set<string>();
  for (const p of dash.panels)
    for (const t of p.targets)
      for (const m of t.expr.matchAll(/\b(?:apiserver|scheduler|workqueue|drover)_[a-z_]+/g))
        used.add(m[0].replace(/_(bucket|sum|count)$/, ''));
  const missing = [...used].filter((n) => !exported.has(n));
  assert.equal(missing, [], `dashboard metrics the hub does not export: ${missing.join(', ')}`);
  for (const k of [
    'drover_nodes',
    'apiserver_request_duration_seconds',
    'scheduler_pod_scheduling_duration_seconds',
    'workqueue_depth',
  ])
    assert.ok(used.has(k), `${k} on the dashboard`);
});

test('fleet gauges: boards by Ready, connections and heartbeat lag follow a kill -9 of the agent', async () => {
  const up = await scrape();
  assert.is(value(up, 'drover_nodes{ready="true"}'), 1);
  assert.is(value(up, 'drover_nodes_connected'), 1);
  assert.ok(value(up, 'drover_mqtt_clients')! >= 2, 'the hub gateway and the agent');
  const lag = value(up, 'drover_node_heartbeat_lag_seconds{quantile="1"}');
  assert.ok(lag !== undefined && lag >= 0 && lag < 30, `lag ${lag}`);
  await agent.kill9();
  const down = await waitFor(
    async () => {
      const t = await scrape();
      return value(t, 'drover_nodes{ready="unknown"}') === 1 ? t : undefined;
    },
    { timeoutMs: 15_000, what: 'the board counted as not ready' },
  );
  assert.is(value(down, 'drover_nodes{ready="true"}'), 0);
  assert.is(value(down, 'drover_nodes_connected'), 0);
  assert.is(
    value(down, 'drover_node_heartbeat_lag_seconds{quantile="1"}'),
    undefined,
    'no connected board, no lag',
  );
});

test.run();
