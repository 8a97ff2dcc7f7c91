// The board side of the hub's security, played by an attacker with real processes: a hub
// (`drover hub`), real agents (`drover agent`, no Docker needed: RuntimeReady=False, Ready
// True), the `drover` CLI and raw mqtt.js clients. Each attack gets a clear refusal and the
// real fleet stays connected and Ready.

import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NodeCredential } from '../../agent/credentials.js';
import { REFUSAL_LOG_BURST, REFUSAL_LOG_QPS } from '../../hub/broker/auth.js';
import type { Event, KubeList, Node, Secret } from '../../shared/api/types.js';
import { topics } from '../../shared/mqtt/topics.js';
import { getJson, nodeReady } from '../helpers/api.js';
import {
  type AgentProcess,
  drover,
  type HubProcess,
  killAll,
  type StartAgentOptions,
  startAgentProcess,
  startHubProcess,
  tokenOfJoinLine,
} from '../helpers/procs.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

let hub: HubProcess;
const NO_DOCKER = ['--docker-socket', '/nonexistent/docker.sock', '--heartbeat-interval', '1s'];

/** Connection cap per listener and CONNECT deadline of this file's hub (the flood tests use them). */
const CAP = 300;
const CONNECT_DEADLINE = '2s';
/** This file's hub marks a board NotReady after this long without a heartbeat (the flood outlasts it). */
const NODE_GRACE_MS = 3_000;

test.before(async () => {
  hub = await startHubProcess({
    args: [
      ...['--node-grace', `${NODE_GRACE_MS / 1000}s`, '--heartbeat-interval', '1s'],
      ...['--mqtt-plain-port', '0', '--mqtt-max-connections', String(CAP)],
      ...['--mqtt-connect-timeout', CONNECT_DEADLINE],
    ],
  });
});

test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

function agent(name: string, o: Partial<StartAgentOptions> = {}): AgentProcess {
  return startAgentProcess({
    hub,
    name,
    ...o,
    args: [...NO_DOCKER, ...(o.args ?? [])],
  });
}

async function ready(name: string, want = 'True', a?: AgentProcess): Promise<void> {
  await waitFor(async () => (await nodeReady(hub.apiUrl, name)) === want, {
    timeoutMs: 20_000,
    what: `node ${name} Ready=${want}`,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n--- agent ---\n${a?.output()}\n--- hub ---\n${hub.output().slice(-3000)}`);
  });
}

const secrets = async () =>
  (await getJson<KubeList<Secret>>(hub.apiUrl, '/api/v1/namespaces/kube-system/secrets')).items
    .map((s) => `${s.metadata.name}@${s.metadata.resourceVersion}`)
    .sort();

const cli = async (args: string[]) => {
  const r = await drover([...args, '--kubeconfig', hub.kubeconfig]);
  assert.is(r.code, 0, `drover ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

let board1: AgentProcess;

test('takeover: the fleet token cannot join as an existing board; it stays connected and Ready', async () => {
  board1 = agent('board-1');
  await ready('board-1', 'True', board1);
  const before = await secrets();
  const thief = agent('board-1');
  const code = await thief.exited;
  assert.is(code, 1, thief.output());
  assert.match(thief.output(), /refused the join of board-1.*already has a live credential/);
  assert.match(thief.output(), /drover node reset board-1/);
  assert.not.ok(existsSync(join(thief.dataDir, 'credentials.json')), 'the thief got no credential');
  assert.equal(await secrets(), before, 'no credential changed');
  const events = await getJson<KubeList<Event>>(hub.apiUrl, '/api/v1/namespaces/default/events');
  const ev = events.items.find((e) => e.involvedObject.name === 'board-1' && e.reason === 'JoinRefused');
  assert.is(ev?.type, 'Warning');
  assert.is(board1.proc.exitCode, null, 'the real board runs on');
  assert.is(await nodeReady(hub.apiUrl, 'board-1'), 'True');
  assert.not.match(board1.output(), /refused|joining hub.*\n.*joining hub/);
});

test('a per-board single-use token joins its board once and no other', async () => {
  const line = await cli(['token', 'create', '--node', 'board-2']);
  assert.match(line, / --name board-2$/m);
  const token = tokenOfJoinLine(line);
  const wrong = agent('board-3', { hub: { ...hub, token } });
  assert.is(await wrong.exited, 1);
  assert.match(wrong.output(), /is for node board-2, not board-3/);
  const b2 = agent('board-2', { hub: { ...hub, token } });
  await ready('board-2', 'True', b2);
  const list = await cli(['token', 'list']);
  assert.match(list, new RegExp(`${token.split('.')[0]}\\s+\\S+\\s+board-2\\s+1/1`));
  await b2.stop();
  // Used up: even its own board, re-flashed, cannot join with it again.
  await cli(['node', 'reset', 'board-2']);
  const again = agent('board-2', { hub: { ...hub, token } });
  assert.is(await again.exited, 1);
  assert.match(again.output(), /refused the bootstrap token/);
});

test('a deleted token no longer joins; nothing is written', async () => {
  const token = tokenOfJoinLine(await cli(['token', 'create']));
  await cli(['token', 'delete', token.split('.')[0]!]);
  assert.not.match(await cli(['token', 'list']), new RegExp(token.split('.')[0]!));
  const before = await secrets();
  const a = agent('board-4', { hub: { ...hub, token } });
  assert.is(await a.exited, 1);
  assert.match(a.output(), /refused the bootstrap token/);
  assert.equal(await secrets(), before);
});

test('revoke: the board is disconnected at once, cannot reconnect nor re-join; reset lets it back', async () => {
  await cli(['node', 'revoke', 'board-1']);
  const code = await board1.exited;
  assert.is(code, 1, 'the agent gives up: its credential is refused and so is its re-join');
  assert.match(board1.output(), /revoked/);
  await ready('board-1', 'Unknown');
  await cli(['node', 'reset', 'board-1']);
  const back = agent('board-1', { dataDir: board1.dataDir });
  await ready('board-1', 'True', back);
});

/** A real mqtt.js client of the hub over MQTTS (verified with the hub CA). */
function mqttAs(clientId: string, username: string, password: string): Promise<MqttClient> {
  return mqtt.connectAsync(hub.mqttUrl, {
    ca: hub.caPem,
    clientId,
    username,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
}

test('a wrong node password is refused (CONNACK 5) and writes nothing', async () => {
  const before = await secrets();
  const code = await mqttAs('node-board-1', 'node:board-1', 'not-the-password').then(
    async (c) => {
      await c.endAsync(true);
      return 0;
    },
    (e: { code?: number }) => e.code,
  );
  assert.is(code, 5);
  assert.equal(await secrets(), before);
  assert.is(await nodeReady(hub.apiUrl, 'board-1'), 'True', 'the real board-1 was not kicked');
});

test("a node's own credential reaches none of another node's topics; refusals are logged", async () => {
  const spy = agent('spy-1');
  await ready('spy-1', 'True', spy);
  await spy.stop();
  const cred = JSON.parse(readFileSync(join(spy.dataDir, 'credentials.json'), 'utf8')) as NodeCredential;
  const c = await mqttAs('node-spy-1', cred.username, cred.password);
  const suback = async (filter: string) =>
    c.subscribeAsync(filter, { qos: 1 }).then(
      (g) => g[0]!.qos,
      (e: { packet?: { granted?: number[] } }) => e.packet?.granted?.[0],
    );
  assert.is(await suback('#'), 128);
  assert.is(await suback(topics.desired('board-1')), 128);
  assert.is(await suback('drover/v1/nodes/+/desired'), 128);
  assert.is(await suback(topics.desired('spy-1')), 1, 'its own desired state: granted');
  const board1 = await getJson<Node>(hub.apiUrl, '/api/v1/nodes/board-1');
  const closed = new Promise<void>((r) => c.once('close', () => r()));
  const forged = { ...JSON.parse(JSON.stringify(board1.status)), nodeName: 'board-1' };
  c.publish(topics.status('board-1'), JSON.stringify({ v: 1, ...forged, conditions: [] }), { qos: 1 });
  await closed; // aedes drops a client whose publish is not authorized
  await waitFor(() => /publish refused.*board-1/.test(hub.output()), { what: 'the refused publish logged' });
  assert.match(hub.output(), /subscribe refused.*filter=#/);
  const after = await getJson<Node>(hub.apiUrl, '/api/v1/nodes/board-1');
  assert.is(after.metadata.resourceVersion, board1.metadata.resourceVersion, 'board-1 not written');
  assert.is(await nodeReady(hub.apiUrl, 'board-1'), 'True');
});

/** The hub's count of connections refused over the cap (its /metrics). */
async function refusedConnections(): Promise<number> {
  const text = await (await fetch(`${hub.apiUrl}/metrics`)).text();
  const m = /^drover_mqtt_refused_connections (\d+)$/m.exec(text);
  if (!m) throw new Error('no drover_mqtt_refused_connections in /metrics');
  return Number(m[1]);
}

/** NodeNotReady events recorded for a node so far (their counts, as the event correlator adds them up). */
async function notReadyEvents(node: string): Promise<number> {
  const events = await getJson<KubeList<Event>>(hub.apiUrl, '/api/v1/namespaces/default/events');
  return events.items
    .filter((e) => e.involvedObject.name === node && e.reason === 'NodeNotReady')
    .reduce((n, e) => n + (e.count ?? 1), 0);
}

/** The bytes of an MQTT 3.1.1 CONNECT with no credentials (what a flooding script sends). */
function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const body = Buffer.concat([
    Buffer.from([0, 4, ...Buffer.from('MQTT'), 4, 0x02, 0, 30]), // level 4, clean session, keepalive 30 s
    Buffer.from([id.length >> 8, id.length & 0xff]),
    id,
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

type FloodOutcome = 'refused' | 'accepted' | 'shed';

/** One raw connection: CONNECT, then the CONNACK's return code, or a close without one (shed). */
function floodOne(port: number, i: number): Promise<FloodOutcome> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(connectPacket(`flood-${i}`)));
    let outcome: FloodOutcome = 'shed';
    s.once('data', (d: Buffer) => {
      if (d[0] === 0x20) outcome = d[3] === 0 ? 'accepted' : 'refused';
      s.destroy();
    });
    s.on('error', () => {});
    s.once('close', () => resolve(outcome));
  });
}

test('a CONNECT flood of 4 node graces is refused or shed, and logged at the refusal log rate; the real board stays Ready', async () => {
  // The flood lasts several node graces (and at least MIN_TOTAL CONNECTs): a board whose
  // heartbeats it starved would be marked NotReady during it. A count alone (it was 20,000)
  // made the flood's length the machine's speed: 60 s on a loaded 2-core machine.
  const FLOOD_MS = 4 * NODE_GRACE_MS;
  const MIN_TOTAL = 2_000;
  const IN_FLIGHT = 200;
  const port = Number(new URL(hub.mqttPlainUrl!).port);
  const notReadyBefore = await notReadyEvents('board-1');
  const logFrom = hub.output().length;
  const counts: Record<FloodOutcome, number> = { refused: 0, accepted: 0, shed: 0 };
  const t0 = Date.now();
  const end = t0 + FLOOD_MS;
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (Date.now() < end || next < MIN_TOTAL) counts[await floodOne(port, next++)]++;
    }),
  );
  const tookMs = Date.now() - t0;
  const total = next;
  console.log(`  ${total} CONNECTs in ${tookMs} ms: ${JSON.stringify(counts)}`);
  assert.is(counts.accepted, 0);
  assert.is(counts.refused + counts.shed, total);
  assert.ok(counts.refused > 0, 'the hub answered CONNECTs during the flood (it did not only shed)');
  assert.is(await nodeReady(hub.apiUrl, 'board-1'), 'True');
  assert.is(await notReadyEvents('board-1'), notReadyBefore, 'board-1 did not go NotReady during the flood');
  // A CONNECT flood is not a log flood: refusal lines within the burst plus the rate, and
  // the refusals left out are counted on the lines that are written.
  const lines = hub
    .output()
    .slice(logFrom)
    .split('\n')
    .filter((l) => /: connection refused clientId=flood-/.test(l));
  const allowed = REFUSAL_LOG_BURST + REFUSAL_LOG_QPS * Math.ceil(tookMs / 1000 + 1);
  assert.ok(lines.length <= allowed, `${lines.length} refusal lines for ${counts.refused} refusals`);
  const unlogged = lines.reduce((n, l) => n + Number(/alsoRefusedUnlogged=(\d+)/.exec(l)?.[1] ?? 0), 0);
  assert.ok(unlogged > 0 && lines.length + unlogged <= counts.refused, `${unlogged} counted as unlogged`);
});

test('idle sockets beyond the cap are refused at accept; the rest are closed at the CONNECT deadline', async () => {
  const port = hub.mqttPort; // the MQTTS listener the boards use
  const EXTRA = 100;
  // The baseline before any socket opens: refusals at accept start at once.
  const refusedBefore = await refusedConnections();
  const sockets = Array.from({ length: CAP + EXTRA }, () => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    return s;
  });
  const closed = sockets.map((s) => new Promise<number>((r) => s.once('close', () => r(Date.now()))));
  const opened = Date.now();
  // Every wait has a deadline (TESTING.md): a socket the hub never closes fails the test, not
  // the whole file by the runner's timeout. The deadline's timer is cleared once all closed: left
  // pending, it kept the file's process alive 28 s after its last test.
  let deadline: NodeJS.Timeout | undefined;
  const ends = await Promise.race([
    Promise.all(closed),
    new Promise<never>((_, reject) => {
      deadline = setTimeout(() => {
        const open = sockets.filter((s) => !s.destroyed).length;
        for (const s of sockets) s.destroy();
        reject(new Error(`${open} of ${sockets.length} idle sockets still open 30 s after connecting`));
      }, 30_000);
    }),
  ]).finally(() => clearTimeout(deadline));
  // At least EXTRA of them were over the cap (the board's own connection counts too), refused
  // at accept as the hub counts them; every other one was closed by the hub at the deadline.
  assert.ok((await refusedConnections()) - refusedBefore >= EXTRA, 'refused at accept');
  assert.ok(Math.max(...ends) - opened < 20_000, 'all idle sockets closed by the hub');
  assert.is(await nodeReady(hub.apiUrl, 'board-1'), 'True');
  // The capacity is back: a real client connects.
  const c = await mqttAs('node-board-1x', 'node:board-1x', 'x').catch((e: { code?: number }) => e.code);
  assert.is(c, 5, 'a new CONNECT is answered again (and refused: no such node)');
});

test.run();
