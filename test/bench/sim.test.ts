// Smoke run of the fleet simulator against a real in-process hub: 100 hollow nodes in two
// child processes join with the bootstrap token, report status and heartbeat -> all Ready
// through the API; pods bound to some of them are reported Running, and once deleted are
// reported stopped, so the hub removes them. Then the failure modes:
// dropped and silent nodes go NotReady, the others stay Ready. Behaviour only, no timings.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Fleet, startFleet } from '../../bench/sim/fleet.js';
import { resolveSimOptions } from '../../bench/sim/options.js';
import { hollowProfile } from '../../bench/sim/profile.js';
import { type Hub, startHub } from '../../hub/hub.js';
import type { Node, Pod } from '../../shared/api/types.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

/** A smoke size: two child processes of 50 (200 cost twice the joins for the same checks). */
const NODES = 100;
const PODS = 10;
let hub: Hub | undefined;
let fleet: Fleet | undefined;
let hub2: Hub | undefined;
let fleet2: Fleet | undefined;

const isReady = (n: Node) =>
  n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

test.after(async () => {
  await fleet?.stop();
  await hub?.stop();
  await fleet2?.stop();
  await hub2?.stop();
  cleanupTempDirs();
});

test(`${NODES} hollow nodes join over MQTTS and all show Ready through the API; bound pods run`, async () => {
  hub = await startHub({
    dataDir: tempDir('drover-sim-test-'),
    apiPort: 0,
    mqttPort: 0,
    mqttHost: '127.0.0.1',
    heartbeatIntervalMs: 1000,
    nodeGraceMs: 10_000,
    logLevel: 'warn',
  });
  const h = hub;
  fleet = await startFleet({
    hubUrl: h.mqttUrl,
    caPem: h.caPem,
    token: h.bootstrapToken,
    nodes: NODES,
    nodesPerProcess: NODES / 2,
    heartbeatIntervalMs: 1000,
    // 200 TLS handshakes at once on a loaded 2-core machine overran the boards' 10 s CONNACK
    // wait; a ramp is how a fleet arrives anyway (the fleet bench measures the burst).
    rampPerSecond: 50,
    podStartDelayMs: 100,
    archMix: { amd64: 1, arm64: 1 },
  });
  const f = fleet;
  await f.waitFor(
    (c) => c.joined === NODES && c.connected === NODES,
    60_000,
    `${NODES} nodes joined and connected`,
  );

  const ready = await waitFor(
    async () => {
      const list = await h.client.list<Node>('nodes', undefined);
      const hollow = list.items.filter((n) => n.metadata.name?.startsWith('hollow-'));
      return hollow.length === NODES && hollow.every(isReady) ? hollow : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: `${NODES} hollow nodes Ready` },
  );
  assert.is(ready.length, NODES);
  const arches = new Set(ready.map((n) => n.status?.nodeInfo?.architecture));
  assert.equal([...arches].sort(), ['amd64', 'arm64'], 'the arch mix reaches the node objects');
  assert.is(ready.find((n) => n.metadata.name === 'hollow-7')?.metadata.labels?.['drover.io/hollow'], 'true');
  // The report is the agent's StatusBuilder's, over the simulated machine's facts.
  const conds = ready[0].status?.conditions ?? [];
  assert.is(conds.find((x) => x.type === 'Ready')?.reason, 'KubeletReady');
  assert.is(conds.find((x) => x.type === 'RuntimeReady')?.message, 'hollow runtime (simulated)');
  assert.is(ready[0].status?.capacity?.cpu, '4');

  for (let i = 0; i < PODS; i++) {
    await h.client.create<Pod>('pods', 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `sim-pod-${i}`, namespace: 'default' },
      spec: { nodeName: `hollow-${i * 7}`, containers: [{ name: 'c', image: 'busybox:1' }] },
    });
  }
  await waitFor(
    async () => {
      const pods = await h.client.list<Pod>('pods', 'default');
      const sim = pods.items.filter((p) => p.metadata.name?.startsWith('sim-pod-'));
      return sim.length === PODS && sim.every((p) => p.status?.phase === 'Running');
    },
    { timeoutMs: 30_000, intervalMs: 250, what: `${PODS} pods Running` },
  );
  const c = await f.waitFor((x) => x.podsRunning === PODS, 10_000, 'pods counted running by the simulator');
  assert.is(c.joinErrors, 0, `no join errors (first error: ${c.firstError})`);

  // Deleting them: each hollow board reports its pod stopped, as the agent does, and the hub
  // removes the object (no pod stays Terminating).
  for (let i = 0; i < PODS; i++) await h.client.delete('pods', 'default', `sim-pod-${i}`);
  await waitFor(
    async () => {
      const pods = await h.client.list<Pod>('pods', 'default');
      return !pods.items.some((p) => p.metadata.name?.startsWith('sim-pod-'));
    },
    { timeoutMs: 30_000, intervalMs: 250, what: 'deleted pods gone from the store' },
  );
  const after = await f.waitFor(
    (x) => x.podsStopped === PODS,
    10_000,
    'pods counted stopped by the simulator',
  );
  assert.is(after.podsRunning, 0);
});

test('dropped and silent hollow nodes (plain MQTT listener) go NotReady; the others stay Ready', async () => {
  const FLEET = 24;
  hub2 = await startHub({
    dataDir: tempDir('drover-sim-test-'),
    apiPort: 0,
    mqttPort: 0,
    mqttHost: '127.0.0.1',
    mqttPlainPort: 0, // this fleet uses the plain listener (the first one MQTTS)
    heartbeatIntervalMs: 500,
    nodeGraceMs: 2500,
    logLevel: 'warn',
  });
  const h = hub2;
  assert.match(h.mqttPlainUrl ?? '', /^mqtt:\/\//);
  const opts = {
    hubUrl: h.mqttPlainUrl!,
    token: h.bootstrapToken,
    nodes: FLEET,
    namePrefix: 'flaky-',
    nodesPerProcess: FLEET,
    heartbeatIntervalMs: 500,
    rampPerSecond: 0,
    silentFraction: 0.25,
    dropFraction: 0.25,
    failAfterMs: 1500,
  };
  const profiles = Array.from({ length: FLEET }, (_, i) => hollowProfile(resolveSimOptions(opts), i));
  const failing = new Set(profiles.filter((p) => p.failure !== 'none').map((p) => p.name));
  const drops = profiles.filter((p) => p.failure === 'drop').length;
  assert.ok(drops > 0 && failing.size > drops && failing.size < FLEET, 'the mix has all three kinds');
  fleet2 = await startFleet(opts);
  const c = await fleet2.waitFor(
    (x) => x.silenced + x.dropped === failing.size,
    30_000,
    'failing nodes silenced or dropped',
  );
  assert.is(c.dropped, drops);
  await waitFor(
    async () => {
      const list = await h.client.list<Node>('nodes', undefined);
      const flaky = list.items.filter((n) => n.metadata.name?.startsWith('flaky-'));
      return flaky.length === FLEET && flaky.every((n) => isReady(n) === !failing.has(n.metadata.name ?? ''));
    },
    { timeoutMs: 20_000, intervalMs: 250, what: 'exactly the failing nodes NotReady' },
  );
  // Dropped nodes stay gone: the agent does not reconnect them.
  const after = await fleet2.waitFor(
    (x) => x.connected === FLEET - drops,
    5000,
    'dropped nodes disconnected',
  );
  assert.is(after.joined, FLEET);
});

test.run();
