// A hub cut off from the store while its boards still reach it (#8: survive the loss of any one
// server; here the hub's own link to NATS): real nats-server, two `drover hub --store nats://`
// processes, two real agents each listing both hubs. Hub A reaches NATS through a loopback link
// the test cuts silently (a partition: no reset, no error, only missed pings). Checked: hub A
// notices by its pings, lets its board go after --store-lost-grace, the board moves to hub B and
// its Node never leaves Ready (same transition time, no NodeNotReady event) although the leader
// (hub B) no longer hears it through hub A; while held, hub A closes new MQTT connections at
// accept; after the link heals hub A takes boards again.

import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copySharedHubFiles } from '../../cli/cluster/hub-files.js';
import { DEFAULT_HUB_DEAD_AFTER_MS, DEFAULT_PRESENCE_FLUSH_MS } from '../../hub/relay/relay.js';
import type { Event, Node } from '../../shared/api/types.js';
import { getJson, nodeReady } from '../helpers/api.js';
import { CutLink } from '../helpers/cut-link.js';
import { type NatsCluster, startNats } from '../helpers/nats.js';
import {
  type AgentProcess,
  type HubProcess,
  connectedHub,
  killAll,
  startAgentProcess,
  startHubProcess,
} from '../helpers/procs.js';
import { tempDir } from '../helpers/tmp.js';
import { holdsFor, waitFor } from '../helpers/wait.js';

/**
 * Node grace: must outlast ping detection (3 x 1 s: hub A pings NATS every second, 3 s by
 * default) + the store-lost grace + a reconnect. It was 20 s with the default pings (9-12 s to
 * notice), and the hold below is most of this file's time.
 */
const GRACE_MS = 10_000;
const STORE_LOST_GRACE = '2s';
const STORE_PING_INTERVAL = '1s';
const NODES = ['sp-a', 'sp-b'];

let nats: NatsCluster | undefined;
let link: CutLink | undefined;
const hubs: HubProcess[] = [];
const agents: Record<string, AgentProcess> = {};

test.after(async () => {
  await killAll();
  await link?.close();
  await nats?.stop();
});

const tails = () =>
  [
    ...hubs.map((h, i) => `--- hub ${'AB'[i]} ---\n${h.output().slice(-2500)}`),
    ...Object.values(agents).map((a) => `--- agent ${a.name} ---\n${a.output().slice(-1500)}`),
  ].join('\n');

async function readyTransition(apiUrl: string, name: string): Promise<string> {
  const node = await getJson<Node>(apiUrl, `/api/v1/nodes/${name}`);
  const c = node.status?.conditions?.find((x) => x.type === 'Ready');
  return c?.status === 'True' ? (c.lastTransitionTime ?? '') : `not ready: ${c?.status}`;
}

/** Whether a TLS handshake with the MQTTS port completes (false: closed before it did). */
function handshakes(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      s.destroy();
      resolve(true);
    });
    s.setTimeout(10_000, () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(false));
    s.on('close', () => resolve(false));
  });
}

test('a hub partitioned from NATS lets its board go to the other hub; the node never leaves Ready', async () => {
  nats = await startNats(1);
  const target = new URL(nats.urls[0]!);
  link = await CutLink.open({ host: target.hostname, port: Number(target.port) });
  const common = ['--node-grace', `${GRACE_MS / 1000}s`, '--heartbeat-interval', '1s'];
  // Hub B starts first and leads; hub A, the standby, reaches NATS only through the link.
  const b = await startHubProcess({ args: ['--store', nats.urls[0]!, ...common] });
  await waitFor(() => b.output().includes('leader: start controllers'), {
    what: 'hub B leads',
    timeoutMs: 20_000,
  });
  const dirA = tempDir('drover-hub-');
  copySharedHubFiles(b.dataDir, dirA);
  const a = await startHubProcess({
    dataDir: dirA,
    args: [
      ...['--store', `nats://127.0.0.1:${link.port}`, '--store-lost-grace', STORE_LOST_GRACE],
      ...['--store-ping-interval', STORE_PING_INTERVAL, ...common],
    ],
  });
  hubs.push(a, b);
  agents['sp-a'] = startAgentProcess({
    hub: { mqttUrl: `${a.mqttUrl},${b.mqttUrl}`, token: b.token, caHash: b.caHash },
    name: 'sp-a',
    args: ['--heartbeat-interval', '1s'],
  });
  agents['sp-b'] = startAgentProcess({
    hub: { mqttUrl: `${b.mqttUrl},${a.mqttUrl}`, token: b.token, caHash: b.caHash },
    name: 'sp-b',
    args: ['--heartbeat-interval', '1s'],
  });
  for (const n of NODES)
    await waitFor(async () => (await nodeReady(b.apiUrl, n)) === 'True', {
      what: `${n} Ready`,
      timeoutMs: 30_000,
    }).catch((e: Error) => {
      throw new Error(`${e.message}\n${tails()}`);
    });
  assert.is(connectedHub(agents['sp-a']!), a.mqttUrl, 'sp-a on hub A');
  const before = await readyTransition(b.apiUrl, 'sp-a');
  const beforeB = await readyTransition(b.apiUrl, 'sp-b');

  const cutAt = Date.now();
  link.cut();
  await waitFor(() => a.output().includes('letting boards go'), {
    what: 'hub A lets its boards go',
    timeoutMs: GRACE_MS,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${tails()}`);
  });
  assert.not.ok(await handshakes(a.mqttPort), 'while held, hub A closes a new connection at accept');
  await waitFor(() => connectedHub(agents['sp-a']!) === b.mqttUrl, {
    what: 'sp-a connected to hub B',
    timeoutMs: 15_000,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${tails()}`);
  });
  // sp-a stays Ready with the same transition time until the last moment the leader could
  // mark it, had its heartbeats through hub B not counted: hub A, cut off from NATS, carried
  // nothing of sp-a after the cut; the leader finds hub A dead when its presence batches have
  // been missing for HUB_DEAD_AFTER (checked every PRESENCE_FLUSH) and gives its boards a fresh
  // grace from then (node-lifecycle.ts). So: the cut + those + a grace + 3 s for the leader's
  // pass (a hold of a whole 25 s grace after the move ended ~8 s later).
  const lastMark = cutAt + DEFAULT_HUB_DEAD_AFTER_MS + DEFAULT_PRESENCE_FLUSH_MS + GRACE_MS + 3_000;
  await holdsFor(async () => (await readyTransition(b.apiUrl, 'sp-a')) === before, {
    durationMs: Math.max(0, lastMark - Date.now()),
    intervalMs: 500,
    what: 'sp-a Ready, unchanged, through the partition',
  }).catch(async (e: Error) => {
    throw new Error(`${e.message}: ${await readyTransition(b.apiUrl, 'sp-a')}\n${tails()}`);
  });
  const events = await getJson<{ items: Event[] }>(b.apiUrl, '/api/v1/events');
  assert.equal(
    events.items.filter((e) => e.reason === 'NodeNotReady').map((e) => e.involvedObject.name),
    [],
    'no NodeNotReady event',
  );
  assert.is(await readyTransition(b.apiUrl, 'sp-b'), beforeB, 'sp-b, on hub B all along, untouched');

  link.heal();
  await waitFor(() => a.output().includes('taking boards again'), {
    what: 'hub A takes boards again once NATS is back',
    timeoutMs: 30_000,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${tails()}`);
  });
  assert.ok(await handshakes(a.mqttPort), 'hub A completes handshakes again');
});

test.run();
