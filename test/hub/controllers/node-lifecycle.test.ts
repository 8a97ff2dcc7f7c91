// Node lifecycle against a real hub with a shortened grace period: heartbeats stop ->
// Ready=Unknown + unreachable taint; resume -> Ready; last will -> NotReady within 1 s;
// reconnect within the debounce -> no NotReady.
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hub } from '../../../hub/hub.js';
import type { Event, Node, NodeCondition } from '../../../shared/api/types.js';
import { TAINT_UNREACHABLE } from '../../../shared/protocol/constants.js';
import { connectNode, join, sendHeartbeat, sendStatus, tempDir, testHub } from '../gateway/harness.js';
import { delay, waitFor } from './wait.js';

const GRACE_MS = 1000;
const DEBOUNCE_MS = 700;

let dir: ReturnType<typeof tempDir>;
let hub: Hub;
const passwords: Record<string, string> = {};

test.before(async () => {
  dir = tempDir();
  hub = await testHub(dir.path, {
    nodeGraceMs: GRACE_MS,
    heartbeatIntervalMs: 200,
    willDebounceMs: DEBOUNCE_MS,
  });
  for (const n of ['hb', 'will', 'flap']) passwords[n] = (await join(hub, n)).password!;
});

test.after(async () => {
  await hub.stop();
  dir.cleanup();
});

const node = (n: string) => hub.client.get<Node>('nodes', undefined, n);
const ready = (n: Node): NodeCondition | undefined => n.status?.conditions?.find((c) => c.type === 'Ready');
const tainted = (n: Node) =>
  (n.spec.taints ?? []).some((t) => t.key === TAINT_UNREACHABLE && t.effect === 'NoSchedule');
const events = async (name: string, reason: string) =>
  (await hub.client.list<Event>('events', 'default')).items.filter(
    (e) => e.involvedObject.name === name && e.involvedObject.kind === 'Node' && e.reason === reason,
  );

/** Registers the node and keeps heartbeating every 100 ms until stopped. */
async function liveAgent(name: string): Promise<{ c: MqttClient; stop(): void }> {
  const c = await connectNode(hub, name, passwords[name]);
  await sendStatus(c, name);
  await waitFor(`${name} Ready`, async () => ready(await node(name))?.status === 'True');
  const t = setInterval(() => sendHeartbeat(c, name).catch(() => {}), 100);
  return { c, stop: () => clearInterval(t) };
}

test('heartbeats stop -> Ready=Unknown + unreachable taint after the grace; resume -> Ready again', async () => {
  const a = await liveAgent('hb');
  await delay(GRACE_MS + 300);
  let n = await node('hb');
  assert.is(ready(n)?.status, 'True', 'heartbeats keep it Ready past the grace period');
  assert.not.ok(tainted(n));

  a.stop();
  const stoppedAt = Date.now();
  n = await waitFor(
    'Ready=Unknown',
    async () => {
      const x = await node('hb');
      return ready(x)?.status === 'Unknown' ? x : undefined;
    },
    5000,
  );
  assert.ok(Date.now() - stoppedAt >= GRACE_MS - 150, 'not before the grace period');
  assert.is(ready(n)?.reason, 'NodeStatusUnknown');
  assert.is(ready(n)?.message, 'Kubelet stopped posting node status.');
  assert.ok(ready(n)?.lastTransitionTime);
  await waitFor('taint', async () => tainted(await node('hb')));
  const t = (await node('hb')).spec.taints?.find((x) => x.key === TAINT_UNREACHABLE);
  assert.ok(t?.timeAdded, 'taint has timeAdded');
  await waitFor('NodeNotReady event', async () => (await events('hb', 'NodeNotReady')).length === 1);
  const ev = (await events('hb', 'NodeNotReady'))[0];
  assert.is(ev.source?.component, 'node-controller');

  await sendHeartbeat(a.c, 'hb'); // heartbeat only, no status report
  n = await waitFor('Ready again', async () => {
    const x = await node('hb');
    return ready(x)?.status === 'True' && !tainted(x) ? x : undefined;
  });
  await waitFor('NodeReady event', async () => (await events('hb', 'NodeReady')).length >= 1);
  await a.c.endAsync(true);
});

test('abrupt socket destroy (last will) -> NotReady within 1 s with reason AgentDisconnected', async () => {
  const a = await liveAgent('will');
  a.stop();
  const t0 = Date.now();
  a.c.stream.destroy();
  const n = await waitFor(
    'Unknown after will',
    async () => {
      const x = await node('will');
      return ready(x)?.status === 'Unknown' ? x : undefined;
    },
    3000,
    20,
  );
  const took = Date.now() - t0;
  assert.ok(took < 1000 + 200, `NotReady took ${took} ms`);
  assert.ok(took >= DEBOUNCE_MS - 50, `debounced (${took} ms)`);
  assert.is(ready(n)?.reason, 'AgentDisconnected');
  assert.match(ready(n)?.message ?? '', 'MQTT');
  assert.ok(tainted(await node('will')) || (await waitFor('taint', async () => tainted(await node('will')))));
  await a.c.endAsync(true);
});

test('reconnect within the debounce -> no NotReady event, no flap', async () => {
  const a = await liveAgent('flap');
  a.stop();
  a.c.stream.destroy();
  await waitFor('will seen', () => !hub.leases.isConnected('flap'), 2000, 5);
  const b = await connectNode(hub, 'flap', passwords.flap);
  await sendHeartbeat(b, 'flap');
  await waitFor('reconnected', () => hub.leases.isConnected('flap'), 2000, 5);
  const keep = setInterval(() => sendHeartbeat(b, 'flap').catch(() => {}), 100);
  await delay(DEBOUNCE_MS + 400);
  clearInterval(keep);
  const n = await node('flap');
  assert.is(ready(n)?.status, 'True');
  assert.not.ok(tainted(n));
  assert.is((await events('flap', 'NodeNotReady')).length, 0);
  await b.endAsync(true);
});

test.run();
