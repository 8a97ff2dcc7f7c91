import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HUB_DEFAULTS, type HubOptions, InvalidHubOptionError, resolveHubConfig } from '../../hub/config.js';

test('defaults', () => {
  const c = resolveHubConfig({});
  assert.equal(c, HUB_DEFAULTS);
  assert.is(c.nodeGraceMs, 40_000);
  assert.is(c.hpaSyncPeriodMs, 15_000);
  assert.is(c.jobBackoffBaseMs, 10_000, "upstream's DefaultJobPodFailureBackOff");
  assert.is(c.storePingIntervalMs, 3000);
  assert.is(c.willDebounceMs, 500);
  assert.is(c.mqttMaxConnections, 19_000);
  assert.is(c.mqttMaxConnectPacketBytes, 64 * 1024);
  assert.is(c.mqttConnectTimeoutMs, 10_000);
  assert.is(c.eventTtlMs, 3_600_000, "kube-apiserver's --event-ttl");
  assert.equal([c.leaderLeaseDurationMs, c.leaderRenewDeadlineMs, c.leaderRetryPeriodMs], [3000, 2000, 500]);
  assert.is(resolveHubConfig({ apiPort: undefined }).apiPort, 8080, 'undefined means default');
});

const bad: { name: string; opts: HubOptions; option: string }[] = [
  { name: 'empty data dir', opts: { dataDir: '' }, option: 'dataDir' },
  { name: 'negative port', opts: { apiPort: -1 }, option: 'apiPort' },
  { name: 'port too big', opts: { mqttPort: 70000 }, option: 'mqttPort' },
  { name: 'fractional port', opts: { mqttPort: 1.5 }, option: 'mqttPort' },
  { name: 'bad mqtt url', opts: { mqttUrl: 'not a url' }, option: 'mqttUrl' },
  { name: 'http mqtt url', opts: { mqttUrl: 'http://x:1883' }, option: 'mqttUrl' },
  {
    name: 'grace not above heartbeat',
    opts: { nodeGraceMs: 5000, heartbeatIntervalMs: 10_000 },
    option: 'nodeGraceMs',
  },
  { name: 'zero start-up grace', opts: { nodeStartupGraceMs: 0 }, option: 'nodeStartupGraceMs' },
  { name: 'negative debounce', opts: { willDebounceMs: -1 }, option: 'willDebounceMs' },
  { name: 'HPA sync period of 0', opts: { hpaSyncPeriodMs: 0 }, option: 'hpaSyncPeriodMs' },
  { name: 'Job backoff of 0', opts: { jobBackoffBaseMs: 0 }, option: 'jobBackoffBaseMs' },
  { name: 'store ping every 10 ms', opts: { storePingIntervalMs: 10 }, option: 'storePingIntervalMs' },
  {
    name: 'NaN lease interval',
    opts: { leasePersistIntervalMs: Number.NaN },
    option: 'leasePersistIntervalMs',
  },
  { name: 'zero max connections', opts: { mqttMaxConnections: 0 }, option: 'mqttMaxConnections' },
  { name: 'store not a nats URL', opts: { store: 'http://h1:4222' }, option: 'store' },
  { name: 'store with an empty URL list', opts: { store: ',' }, option: 'store' },
  { name: 'even store replicas', opts: { storeReplicas: 2 }, option: 'storeReplicas' },
  { name: 'unknown log level', opts: { logLevel: 'loud' as 'info' }, option: 'logLevel' },
  {
    name: 'packet limit below the largest report',
    opts: { mqttMaxPacketBytes: 1024 * 1024 },
    option: 'mqttMaxPacketBytes',
  },
  {
    name: 'tiny CONNECT limit',
    opts: { mqttMaxConnectPacketBytes: 100 },
    option: 'mqttMaxConnectPacketBytes',
  },
  { name: 'fractional queue cap', opts: { mqttMaxQueuedBytes: 2.5e7 + 0.5 }, option: 'mqttMaxQueuedBytes' },
  { name: 'zero CONNECT deadline', opts: { mqttConnectTimeoutMs: 0 }, option: 'mqttConnectTimeoutMs' },
  { name: 'zero event rate', opts: { agentEventQps: 0 }, option: 'agentEventQps' },
  { name: 'zero event burst', opts: { agentEventBurst: 0 }, option: 'agentEventBurst' },
  { name: 'event TTL under a second', opts: { eventTtlMs: 10 }, option: 'eventTtlMs' },
  {
    name: 'renew deadline not below the lease',
    opts: { leaderLeaseDurationMs: 15_000, leaderRenewDeadlineMs: 15_000 },
    option: 'leaderRenewDeadlineMs',
  },
  {
    name: 'retry period not below the renew deadline (default 2 s)',
    opts: { leaderRetryPeriodMs: 2000 },
    option: 'leaderRetryPeriodMs',
  },
  { name: 'zero leader lease', opts: { leaderLeaseDurationMs: 0 }, option: 'leaderLeaseDurationMs' },
];
for (const row of bad) {
  test(`refused: ${row.name}`, () => {
    try {
      resolveHubConfig(row.opts);
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, InvalidHubOptionError);
      assert.is((e as InvalidHubOptionError).option, row.option);
      assert.match((e as Error).message, row.option);
    }
  });
}

test("accepted: kube-controller-manager's leader election timings (15 s, 10 s, 2 s)", () => {
  const c = resolveHubConfig({
    leaderLeaseDurationMs: 15_000,
    leaderRenewDeadlineMs: 10_000,
    leaderRetryPeriodMs: 2000,
  });
  assert.equal(
    [c.leaderLeaseDurationMs, c.leaderRenewDeadlineMs, c.leaderRetryPeriodMs],
    [15_000, 10_000, 2000],
  );
});

test('accepted: port 0, external url, short grace with short heartbeat', () => {
  const c = resolveHubConfig({
    apiPort: 0,
    mqttPort: 0,
    mqttUrl: 'mqtt://10.0.0.1:1883',
    nodeGraceMs: 1000,
    heartbeatIntervalMs: 200,
  });
  assert.is(c.mqttUrl, 'mqtt://10.0.0.1:1883');
  assert.is(c.nodeGraceMs, 1000);
});

test.run();
