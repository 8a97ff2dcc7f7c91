// Stopping the broker with thousands of agents connected while one subscriber is stuck: every
// socket closes and every last will is published into a broker that is shutting down. With
// aedes' default emitter cap this overflowed the stack (seen at ~7,000 clients in the fleet
// benchmark; 2,000 here are enough); the broker must close cleanly and promptly.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBrokerAuth } from '../../../hub/broker/auth.js';
import { startBroker } from '../../../hub/broker/broker.js';
import { createLogger } from '../../../shared/log.js';
import { filters, topics } from '../../../shared/mqtt/topics.js';
import { waitFor } from '../controllers/wait.js';

// 2,000 overflowed the stack without the fix (concurrency 0 in hub/broker/broker.ts taken out:
// RangeError), as 3,000 did, for two thirds of the connections.
const CLIENTS = Number(process.env.DROVER_SHUTDOWN_CLIENTS ?? 2000);
const HUB_SECRET = 'hub-secret-123';
const log = createLogger('shutdown-test', 100);
const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/many-clients.js');

let child: ChildProcess | undefined;
process.on('exit', () => child?.kill('SIGKILL'));
/** What a failed run leaves open (broker, clients, the fixture): closed after, so it cannot hang. */
const leftOpen: (() => Promise<unknown>)[] = [];
test.after(async () => {
  child?.kill('SIGKILL');
  for (const close of leftOpen.splice(0)) await close().catch(() => {});
});

test(`the broker closes with ${CLIENTS} agents connected`, async () => {
  const auth = createBrokerAuth({
    hubSecret: HUB_SECRET,
    verifyBootstrapToken: async () => false,
    verifyNodeCredential: async (n, p) => p === `pw-${n}`,
    log,
  });
  const broker = await startBroker({ host: '127.0.0.1', port: 0, auth, log });
  leftOpen.push(() => broker.close());
  // The hub's gateway: subscribed to wills, and a retained desired state per node.
  const hub = await mqtt.connectAsync(broker.url, {
    clientId: 'drover-hub-test',
    username: 'drover-hub',
    password: HUB_SECRET,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  leftOpen.push(() => hub.endAsync(true));
  hub.on('error', () => {});
  await hub.subscribeAsync([filters.allWills, filters.allStatus], { qos: 1 });
  await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) =>
      hub.publishAsync(topics.desired(`n-${i}`), '{}', { qos: 1, retain: true }),
    ),
  );

  const c = spawn(process.execPath, [fixture, broker.url, String(CLIENTS)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  child = c;
  let out = '';
  c.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await waitFor('all clients connected', () => out.includes(`ready ${CLIENTS}`), 25_000, 50);
  await waitFor('broker sees all clients', () => broker.clients() >= CLIENTS + 1, 5000);

  // A subscriber that stopped reading (a busy gateway): the broker's writes to it back up, its
  // deliveries stay in flight and fill aedes' emitter concurrency, so the wills and $SYS
  // notices of the closing clients queue behind them and are drained in one go.
  const stuck = await mqtt.connectAsync(broker.url, {
    clientId: 'drover-hub-stuck',
    username: 'drover-hub',
    password: HUB_SECRET,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  leftOpen.push(() => stuck.endAsync(true));
  stuck.on('error', () => {});
  await stuck.subscribeAsync('stuck/#', { qos: 0 });
  stuck.stream.pause();
  const big = Buffer.alloc(64 * 1024, 'x');
  await Promise.all(Array.from({ length: 400 }, () => hub.publishAsync('stuck/x', big, { qos: 0 })));
  // aedes handles one client's packets in order: this PUBACK means the big ones were routed.
  // With a capped emitter it never comes (routing stalled behind the stuck client): go on
  // after a bound, the close below is what must survive either way.
  let bound: NodeJS.Timeout | undefined;
  await Promise.race([
    hub.publishAsync('nobody/listens', 'marker', { qos: 1 }),
    new Promise((r) => {
      bound = setTimeout(r, 3000);
    }),
  ]);
  clearTimeout(bound); // left pending, it would hold the file's process open after the test
  const t0 = Date.now();
  await broker.close();
  const ms = Date.now() - t0;
  assert.is(broker.connections(), 0);
  assert.ok(ms < 10_000, `close took ${ms} ms`);
  c.stdin?.end();
  await new Promise<void>((r) => (c.exitCode !== null ? r() : c.once('exit', () => r())));
  await hub.endAsync(true);
  await stuck.endAsync(true); // paused, it would never read the broker's FIN
});

test.run();
