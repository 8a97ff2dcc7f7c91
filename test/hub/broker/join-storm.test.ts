// The join and reconnect storm (#21, #13, #15) on real parts: a hub process serving MQTTS with
// a low bound on connections between accept and CONNACK (--mqtt-max-connecting), and hollow
// boards (bench/sim: the real Agent, its backoff included) that all join at the same instant,
// then all lose the hub at once (kill -9) and reconnect to its restart. Checked: every board
// ends up joined, connected and Ready; none is ever marked NotReady; the hub did shed attempts
// (so without the bound, or with boards that do not back off, this case would not be the one
// tested); each burst got its log lines. STORM_BOARDS / STORM_MAX_CONNECTING size it up by hand.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hubApiClient } from '../../../bench/lib/hub-client.js';
import { NodeTracker } from '../../../bench/lib/node-tracker.js';
import { type Fleet, startFleet } from '../../../bench/sim/fleet.js';
import { metricSum, scrapeMetrics } from '../../helpers/hub-metrics.js';
import { type HubProcess, killAll, startHubProcess } from '../../helpers/procs.js';
import { cleanupTempDirs } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

const BOARDS = Number(process.env.STORM_BOARDS ?? 200);
/** Far below BOARDS: most of the first instant's attempts are over the bound. */
const MAX_CONNECTING = Number(process.env.STORM_MAX_CONNECTING ?? 8);
const HUB_ARGS = ['--heartbeat-interval', '1s', '--mqtt-max-connecting', String(MAX_CONNECTING)];
/** A generous bound on a loaded 2-core machine (a deadline, not a timing claim). */
const CONVERGE_MS = 120_000 + BOARDS * 100;

let hub: HubProcess | undefined;
let fleet: Fleet | undefined;
let tracker: NodeTracker | undefined;

test.after(async () => {
  tracker?.stop();
  await fleet?.stop();
  await killAll();
  cleanupTempDirs();
});

async function shedSoFar(h: HubProcess): Promise<number> {
  return metricSum(await scrapeMetrics(h.apiUrl), 'drover_mqtt_shed_connections');
}

/** Every board heard from by the hub h and Ready in the API. */
async function allBack(h: HubProcess, t: NodeTracker, what: string): Promise<void> {
  await waitFor(
    async () => {
      const m = await scrapeMetrics(h.apiUrl);
      return metricSum(m, 'drover_nodes_connected') >= BOARDS && t.readyCount() === BOARDS;
    },
    { timeoutMs: CONVERGE_MS, intervalMs: 250, what },
  );
}

test(`${BOARDS} boards join at once through a hub admitting ${MAX_CONNECTING} connecting: all Ready, shed > 0, no NotReady`, async () => {
  const h = await startHubProcess({ args: HUB_ARGS });
  hub = h;
  const t = new NodeTracker(hubApiClient(h.dataDir), (n) => n.startsWith('hollow-'));
  tracker = t;
  await t.start();
  const t0 = Date.now();
  fleet = await startFleet({
    hubUrl: h.mqttUrl,
    caPem: h.caPem,
    token: h.token,
    nodes: BOARDS,
    nodesPerProcess: BOARDS,
    heartbeatIntervalMs: 1000,
    rampPerSecond: 0, // all at once
    podStartDelayMs: 100,
  });
  const f = fleet;
  await f.waitFor(
    (c) => c.joined === BOARDS && c.connected === BOARDS,
    CONVERGE_MS,
    'every board joined and connected',
  );
  await allBack(h, t, `all ${BOARDS} boards Ready`);
  const shed = await shedSoFar(h);
  console.log(
    `  join storm: ${BOARDS} boards Ready ${Date.now() - t0} ms after starting at once; ${shed} attempts shed; join errors ${f.counters().joinErrors}`,
  );
  assert.ok(shed > 0, 'the hub shed attempts over its bound (else this storm tested nothing)');
  assert.equal(t.notReadyTransitions, [], 'no board marked NotReady');
  const out = h.output();
  assert.match(out, /shedding connection attempts/, 'a log line when shedding starts');
  await waitFor(() => /shedding ended/.test(h.output()), {
    timeoutMs: 10_000,
    what: 'the end-of-burst log line',
  });
});

test(`kill -9 of the hub under ${BOARDS} boards: the reconnect storm is shed and every board comes back Ready, none NotReady`, async () => {
  const h0 = hub!;
  const f = fleet!;
  const t = tracker!;
  const disconnectsBefore = f.counters().disconnects;
  await h0.kill9();
  const h = await startHubProcess({
    dataDir: h0.dataDir,
    args: [...HUB_ARGS, '--api-port', String(h0.apiPort), '--mqtt-port', String(h0.mqttPort)],
    timeoutMs: 60_000,
  });
  hub = h;
  const tUp = Date.now();
  await f.waitFor(
    (c) => c.disconnects - disconnectsBefore >= BOARDS && c.connected === BOARDS,
    CONVERGE_MS,
    'every board reconnected',
  );
  await allBack(h, t, `all ${BOARDS} boards heard from by the restarted hub`);
  const shed = await shedSoFar(h);
  console.log(
    `  reconnect storm: all ${BOARDS} back ${Date.now() - tUp} ms after the restart; ${shed} attempts shed`,
  );
  assert.ok(shed > 0, 'the restarted hub shed reconnects over its bound');
  assert.equal(t.notReadyTransitions, [], 'no board marked NotReady');
});

test.run();
