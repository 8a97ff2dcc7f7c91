// End to end with real processes: a hub, two agents, the real kubectl.
// Joins and Ready, kill -9 -> NotReady at once (last will), SIGSTOP -> NotReady after the
// grace, SIGCONT -> Ready, an agent restarted without a token reconnects with its credential.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeReady } from '../helpers/api.js';
import {
  type AgentProcess,
  drover,
  type HubProcess,
  killAll,
  kubectl,
  parseTable,
  startAgentProcess,
  startHubProcess,
  tokenOfJoinLine,
} from '../helpers/procs.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const GRACE_MS = 3000;
const FAST = ['--heartbeat-interval', '1s'];
let hub: HubProcess;
const agents: Record<string, AgentProcess> = {};

test.before(async () => {
  hub = await startHubProcess({ args: ['--node-grace', `${GRACE_MS}ms`, '--heartbeat-interval', '1s'] });
});

test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

async function startAgent(name: string, extra: Partial<Parameters<typeof startAgentProcess>[0]> = {}) {
  agents[name] = startAgentProcess({
    hub,
    name,
    args: FAST,
    ...extra,
  });
  return agents[name];
}

async function waitStatus(name: string, want: string, timeoutMs = 15_000) {
  return waitFor(async () => (await nodeReady(hub.apiUrl, name)) === want, {
    timeoutMs,
    intervalMs: 25,
    what: `node ${name} Ready=${want}`,
  }).catch((e: Error) => {
    throw new Error(
      `${e.message}\n--- agent output ---\n${agents[name]?.output()}\n--- hub output ---\n${hub.output().slice(-4000)}`,
    );
  });
}

test('two agents join and are Ready in kubectl and drover get nodes', async () => {
  await startAgent('edge-a', { labels: { zone: 'lab' } });
  await startAgent('edge-b');
  await waitStatus('edge-a', 'True');
  await waitStatus('edge-b', 'True');
  const k = await kubectl(['get', 'nodes'], { kubeconfig: hub.kubeconfig });
  assert.is(k.code, 0, k.stderr);
  const rows = parseTable(k.stdout);
  assert.equal(
    rows.map((r) => [r.NAME, r.STATUS]),
    [
      ['edge-a', 'Ready'],
      ['edge-b', 'Ready'],
    ],
  );
  const d = await drover(['get', 'nodes', '--kubeconfig', hub.kubeconfig]);
  assert.is(d.code, 0, d.stderr);
  assert.equal(
    parseTable(d.stdout).map((r) => [r.NAME, r.STATUS]),
    [
      ['edge-a', 'Ready'],
      ['edge-b', 'Ready'],
    ],
  );
  const labels = await kubectl(['get', 'nodes', '-l', 'drover.io/zone=lab', '-o', 'name'], {
    kubeconfig: hub.kubeconfig,
  });
  assert.is(labels.stdout.trim(), 'node/edge-a');
  const wide = await drover(['get', 'nodes', '-o', 'wide', '--kubeconfig', hub.kubeconfig]);
  assert.is(wide.code, 0, wide.stderr);
  const desc = await drover(['describe', 'node', 'edge-a', '--kubeconfig', hub.kubeconfig]);
  assert.is(desc.code, 0, desc.stderr);
  assert.match(desc.stdout, /^Name:\s+edge-a$/m);
  assert.match(desc.stdout, /Ready\s+True/);
});

test('kill -9 of an agent: NotReady within 2 s (last will)', async () => {
  const a = agents['edge-b'];
  const t0 = Date.now();
  await a.kill9();
  await waitStatus('edge-b', 'Unknown', 5000);
  const ms = Date.now() - t0;
  console.log(`  kill -9 -> NotReady in ${ms} ms`);
  assert.ok(ms < 2000, `took ${ms} ms`);
  const k = await kubectl(['get', 'node', 'edge-b'], { kubeconfig: hub.kubeconfig });
  assert.is(parseTable(k.stdout)[0]?.STATUS, 'NotReady');
  assert.is(await nodeReady(hub.apiUrl, 'edge-a'), 'True', 'the other node is untouched');
});

test('agent restarted without a token reconnects with its stored credential', async () => {
  const old = agents['edge-b'];
  const b = await startAgent('edge-b', { dataDir: old.dataDir, withToken: false });
  await waitStatus('edge-b', 'True');
  assert.not.match(b.output(), /joining hub/);
});

test('SIGSTOP: NotReady after the grace period; SIGCONT: Ready again', async () => {
  const a = agents['edge-a'];
  const t0 = Date.now();
  a.proc.kill('SIGSTOP');
  try {
    await waitStatus('edge-a', 'Unknown', GRACE_MS + 10_000);
    const ms = Date.now() - t0;
    console.log(`  SIGSTOP -> NotReady in ${ms} ms (grace ${GRACE_MS} ms)`);
    assert.ok(ms >= GRACE_MS - 1500, `NotReady after ${ms} ms, before the grace: not a heartbeat timeout`);
  } finally {
    a.proc.kill('SIGCONT');
  }
  const t1 = Date.now();
  await waitStatus('edge-a', 'True', 10_000);
  console.log(`  SIGCONT -> Ready in ${Date.now() - t1} ms`);
});

test('drover token create: a new token joins a new agent; get ns / pods -A / -o json|yaml', async () => {
  const t = await drover(['token', 'create', '--ttl', '1h', '--kubeconfig', hub.kubeconfig]);
  assert.is(t.code, 0, t.stderr);
  // One line that joins a board: drover agent --hub URL --token T
  assert.match(t.stdout.trim(), /^drover agent --hub mqtts?:\/\/\S+ --token [a-z0-9]{6}\.[a-z0-9]{16}/);
  const token = tokenOfJoinLine(t.stdout);
  assert.is.not(token, hub.token);
  await startAgent('edge-c', { hub: { ...hub, token } });
  await waitStatus('edge-c', 'True');
  const ns = await drover(['get', 'ns', '--kubeconfig', hub.kubeconfig]);
  assert.is(ns.code, 0, ns.stderr);
  const nsNames = parseTable(ns.stdout).map((r) => r.NAME);
  for (const n of ['default', 'kube-system', 'kube-node-lease'])
    assert.ok(nsNames.includes(n), `${n} in ${nsNames}`);
  const pods = await drover(['get', 'pods', '-A', '--kubeconfig', hub.kubeconfig]);
  assert.is(pods.code, 0, pods.stderr);
  const json = await drover(['get', 'node', 'edge-c', '-o', 'json', '--kubeconfig', hub.kubeconfig]);
  assert.is(JSON.parse(json.stdout).metadata.name, 'edge-c');
  const yaml = await drover(['get', 'nodes', '-o', 'yaml', '--kubeconfig', hub.kubeconfig]);
  assert.match(yaml.stdout, /name: edge-c/);
  const missing = await drover(['get', 'node', 'nope', '--kubeconfig', hub.kubeconfig]);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /not found/);
  await agents['edge-c'].stop();
});

test('SIGTERM: the agent exits 0 and the node goes NotReady at once', async () => {
  const b = agents['edge-b'];
  const t0 = Date.now();
  const code = await b.stop('SIGTERM');
  assert.is(code, 0, b.output());
  await waitStatus('edge-b', 'Unknown', 5000);
  console.log(`  SIGTERM -> exit + NotReady in ${Date.now() - t0} ms`);
});

test.run();
