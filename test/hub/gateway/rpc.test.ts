// Hub side of pods/log over MQTT request/response, pod deletion finalization and the
// ConfigMaps/Secrets in a node's desired set, against a real hub (startHub) with the agent
// played by a real mqtt.js connection as the node.

import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hub } from '../../../hub/hub.js';
import type { Pod, PodStatus, Secret } from '../../../shared/api/types.js';
import { filters, parseTopic, topics } from '../../../shared/mqtt/topics.js';
import {
  type DesiredState,
  encode,
  type PodStatusReport,
  parseDesiredState,
  parseRpcRequest,
  type RpcRequest,
  type RpcResponse,
} from '../../../shared/protocol/messages.js';
import { waitFor } from '../controllers/wait.js';
import { connectNode, join, sendStatus, tempDir, testHub } from './harness.js';

const NODE = 'r-1';
let dir: ReturnType<typeof tempDir>;
let hub: Hub;
let agent: MqttClient;
const requests: { id: string; req: RpcRequest }[] = [];
const desired: DesiredState[] = [];
/** What the played agent does with a logs request, by pod name. */
const answers: Record<string, (id: string) => void> = {};

function reply(id: string, r: Omit<RpcResponse, 'v'> & { code?: number }): void {
  agent.publish(topics.rpcResponse(NODE, id), encode<RpcResponse>(r), { qos: 1 });
}

const pod = (name: string, over: Partial<Pod['spec']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeName: NODE, containers: [{ name: 'c', image: 'busybox' }], ...over },
});

test.before(async () => {
  dir = tempDir();
  hub = await testHub(dir.path, { rpcTimeoutMs: 500 });
  const { password } = await join(hub, NODE);
  agent = await connectNode(hub, NODE, password!);
  agent.on('message', (topic, payload) => {
    const t = parseTopic(topic);
    if (t?.kind === 'desired') desired.push(parseDesiredState(payload));
    if (t?.kind !== 'rpcRequest') return;
    const req = parseRpcRequest(payload);
    requests.push({ id: t.id, req });
    if (req.method === 'logs') answers[String(req.params.name)]?.(t.id);
  });
  await agent.subscribeAsync([filters.nodeRpcRequests(NODE), topics.desired(NODE)], { qos: 1 });
  await sendStatus(agent, NODE);
  await waitFor('node Ready', async () => {
    const n = await hub.client.get('nodes', undefined, NODE).catch(() => undefined);
    return JSON.stringify(n ?? {}).includes('"Ready","status":"True"');
  });
});

test.after(async () => {
  await agent.endAsync(true);
  await hub.stop();
  dir.cleanup();
});

const logUrl = (name: string, q = '') => `${hub.apiUrl}/api/v1/namespaces/default/pods/${name}/log${q}`;

test('chunks sent out of order arrive in order as text/plain; params reach the agent', async () => {
  await hub.client.create<Pod>('pods', 'default', pod('web'));
  answers.web = (id) => {
    reply(id, { seq: 0, done: false });
    reply(id, { seq: 3, done: true });
    reply(id, { seq: 2, done: false, data: 'second\n' });
    reply(id, { seq: 1, done: false, data: 'first\n' });
  };
  const res = await fetch(logUrl('web', '?tailLines=5&timestamps=true'));
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'text/plain');
  assert.is(await res.text(), 'first\nsecond\n');
  const req = requests.find((r) => r.req.params.name === 'web')!.req;
  assert.equal(req.params, {
    namespace: 'default',
    name: 'web',
    container: 'c',
    tailLines: 5,
    follow: false,
    previous: false,
    timestamps: true,
  });
});

test('errors: agent error -> 400 with its message, no answer -> 503, API-side checks', async () => {
  await hub.client.create<Pod>('pods', 'default', pod('fresh'));
  answers.fresh = (id) =>
    reply(id, {
      seq: 0,
      done: true,
      code: 400,
      error: 'container "c" in pod "fresh" has not been created yet',
    });
  const bad = await fetch(logUrl('fresh'));
  assert.is(bad.status, 400);
  assert.match(((await bad.json()) as { message: string }).message, /has not been created yet/);

  await hub.client.create<Pod>('pods', 'default', pod('silent'));
  const t0 = Date.now();
  const slow = await fetch(logUrl('silent'));
  assert.is(slow.status, 503);
  assert.match(
    ((await slow.json()) as { message: string }).message,
    /did not answer the logs request within 500 ms/,
  );
  assert.ok(Date.now() - t0 < 3000);

  await hub.client.create<Pod>(
    'pods',
    'default',
    pod('pair', {
      containers: [
        { name: 'a', image: 'busybox' },
        { name: 'b', image: 'busybox' },
      ],
    }),
  );
  const pair = await fetch(logUrl('pair'));
  assert.is(pair.status, 400);
  assert.is(
    ((await pair.json()) as { message: string }).message,
    'a container name must be specified for pod pair, choose one of: [a b]',
  );
  assert.is((await fetch(logUrl('pair', '?container=zz'))).status, 400);
  assert.is((await fetch(logUrl('pair', '?tailLines=-1'))).status, 400);
  assert.is((await fetch(logUrl('nope'))).status, 404);
  await hub.client.create<Pod>(
    'pods',
    'default',
    pod('floating', { nodeName: undefined, nodeSelector: { nowhere: 'x' } }),
  );
  const fl = await fetch(logUrl('floating'));
  assert.is(fl.status, 400);
  assert.match(((await fl.json()) as { message: string }).message, /does not have a host assigned/);
});

test('follow: data streams before the end; the client going away cancels on the agent', async () => {
  await hub.client.create<Pod>('pods', 'default', pod('tail'));
  answers.tail = (id) => {
    reply(id, { seq: 0, done: false });
    reply(id, { seq: 1, done: false, data: 'hello\n' });
  };
  const ac = new AbortController();
  const res = await fetch(logUrl('tail', '?follow=true'), { signal: ac.signal });
  assert.is(res.status, 200);
  const reader = res.body!.getReader();
  const { value } = await reader.read();
  assert.is(Buffer.from(value!).toString(), 'hello\n');
  const id = requests.find((r) => r.req.params.name === 'tail')!.id;
  ac.abort();
  await waitFor('cancel request', () => requests.some((r) => r.id === id && r.req.method === 'cancel'));
  await waitFor('no call left open', () => hub.gateway.rpc.open === 0);
});

const terminal = (uid: string, phase: 'Failed' | 'Running'): Omit<PodStatusReport, 'v'> => {
  const status: PodStatus = {
    phase,
    containerStatuses: [
      {
        name: 'c',
        ready: false,
        restartCount: 0,
        image: 'busybox',
        imageID: '',
        containerID: 'docker://abc',
        state:
          phase === 'Failed'
            ? { terminated: { exitCode: 137, reason: 'Error' } }
            : { running: { startedAt: new Date().toISOString() } },
      },
    ],
  };
  return { uid, status };
};

test('a deleted pod stays Terminating until its agent reports it terminal, then it is gone', async () => {
  const p = await hub.client.create<Pod>(
    'pods',
    'default',
    pod('doomed', { terminationGracePeriodSeconds: 30 }),
  );
  const uid = p.metadata.uid!;
  await hub.client.delete('pods', 'default', 'doomed');
  const marked = await hub.client.get<Pod>('pods', 'default', 'doomed');
  assert.ok(marked.metadata.deletionTimestamp, 'graceful: marked, not removed');
  const topic = topics.podStatus(NODE, 'default', 'doomed');
  await agent.publishAsync(topic, encode<PodStatusReport>(terminal(uid, 'Running')), { qos: 1 });
  await waitFor('running status written', async () => {
    const x = await hub.client.get<Pod>('pods', 'default', 'doomed');
    return x.status?.phase === 'Running';
  });
  await agent.publishAsync(topic, encode<PodStatusReport>(terminal(uid, 'Failed')), { qos: 1 });
  await waitFor('pod removed', async () => {
    try {
      await hub.client.get<Pod>('pods', 'default', 'doomed');
      return false;
    } catch {
      return true;
    }
  });
});

test("a node's desired set holds the Secrets its pods use and no others; a change republishes it", async () => {
  const secret = (name: string, v: string): Secret => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    data: { k: Buffer.from(v).toString('base64') },
  });
  await hub.client.create<Secret>('secrets', 'default', secret('used', 'one'));
  await hub.client.create<Secret>('secrets', 'default', secret('other', 'two'));
  await hub.client.create<Pod>(
    'pods',
    'default',
    pod('consumer', {
      containers: [
        {
          name: 'c',
          image: 'busybox',
          env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'used', key: 'k' } } }],
        },
      ],
      volumes: [{ name: 'v', configMap: { name: 'absent-cm' } }],
    }),
  );
  const withSecret = await waitFor('set with the secret', () =>
    desired.find((d) => d.pods.some((p) => p.metadata.name === 'consumer')),
  );
  assert.equal(
    (withSecret.secrets ?? []).map((s) => s.metadata.name),
    ['used'],
  );
  assert.equal(withSecret.configMaps, [], 'a missing ConfigMap is simply absent');
  const n = desired.length;
  const cur = await hub.client.get<Secret>('secrets', 'default', 'used');
  await hub.client.update<Secret>('secrets', 'default', {
    ...cur,
    data: { k: Buffer.from('1b').toString('base64') },
  });
  const next = await waitFor('republished after the change', () =>
    desired.slice(n).find((d) => d.secrets?.[0]?.data?.k === Buffer.from('1b').toString('base64')),
  );
  assert.ok(next.revision > withSecret.revision);
  const m = desired.length;
  await hub.client.update<Secret>('secrets', 'default', {
    ...(await hub.client.get<Secret>('secrets', 'default', 'other')),
    data: { k: 'eA==' },
  });
  // An unreferenced Secret's change does not republish (checked after a later, referenced change).
  await hub.client.update<Secret>('secrets', 'default', {
    ...(await hub.client.get<Secret>('secrets', 'default', 'used')),
    data: { k: 'eQ==' },
  });
  await waitFor('republished for used', () =>
    desired.slice(m).some((d) => d.secrets?.[0]?.data?.k === 'eQ=='),
  );
  assert.is(desired.slice(m).length, 1, 'one publish: the change of "other" was not sent');
});

test.run();
