// The scheduler against a real API server on a real SQLite store: pods created through the
// API get bound by the scheduler; unschedulable pods get PodScheduled=False and an event, and
// are scheduled once a node that fits appears.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiClient } from '../../../hub/api/client.js';
import { type ApiServer, createApiServer } from '../../../hub/api/server.js';
import { type RunningScheduler, startScheduler } from '../../../hub/scheduler/scheduler.js';
import { SqliteStore } from '../../../hub/store/sqlite.js';
import type { Event, Node, Pod } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { waitFor } from './wait.js';

interface Env {
  api: ApiServer;
  store: SqliteStore;
  client: ApiClient;
  scheduler?: RunningScheduler;
  stop(): Promise<void>;
}

const quiet = createLogger('test', 40);

async function setup(): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'drover-sched-'));
  const store = SqliteStore.open(join(dir, 'store.db'));
  const api = await createApiServer({ store, port: 0, log: quiet, insecureLoopback: true });
  const env: Env = {
    api,
    store,
    client: api.client,
    async stop() {
      await env.scheduler?.stop();
      await api.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return env;
}

function nodeObj(name: string, cpu: string, memory: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: {
      capacity: { cpu, memory, pods: '110' },
      allocatable: { cpu, memory, pods: '110' },
      conditions: [
        { type: 'Ready', status: 'True', reason: 'AgentReady', message: 'agent is posting ready status' },
      ],
    },
  };
}

function podObj(name: string, cpu: string, memory: string, extra: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      containers: [{ name: 'main', image: 'busybox', resources: { requests: { cpu, memory } } }],
      ...extra,
    },
  };
}

async function boundNode(client: ApiClient, name: string): Promise<string | undefined> {
  const p = await client.get<Pod>('pods', 'default', name);
  return p.spec.nodeName || undefined;
}

async function events(client: ApiClient, podName: string): Promise<Event[]> {
  const list = await client.list<Event>('events', 'default');
  return list.items.filter((e) => e.involvedObject.name === podName);
}

test('binds pods to the expected nodes; too-big pod is marked unschedulable, then placed on a new big node', async () => {
  const env = await setup();
  try {
    const { client } = env;
    // Sizes differ so that scores decide: "a" is the emptiest for a small pod.
    await client.create('nodes', undefined, nodeObj('a', '8', '16Gi'));
    await client.create('nodes', undefined, nodeObj('b', '4', '8Gi'));
    await client.create('nodes', undefined, nodeObj('c', '2', '4Gi'));
    await client.create('pods', 'default', podObj('web', '1', '1Gi'));
    await client.create(
      'pods',
      'default',
      podObj('pinned', '500m', '256Mi', { nodeSelector: { 'kubernetes.io/hostname': 'c' } }),
    );
    await client.create('pods', 'default', podObj('big', '10', '1Gi'));

    env.scheduler = await startScheduler({
      client,
      log: quiet,
      queue: { initialBackoffMs: 50, maxBackoffMs: 200 },
    });

    assert.is(await waitFor('web bound', () => boundNode(client, 'web')), 'a');
    assert.is(await waitFor('pinned bound', () => boundNode(client, 'pinned')), 'c');

    const cond = await waitFor('big PodScheduled=False', async () => {
      const p = await client.get<Pod>('pods', 'default', 'big');
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    assert.is(cond.reason, 'Unschedulable');
    assert.is(cond.message, '0/3 nodes are available: 3 Insufficient cpu.');
    assert.is(await boundNode(client, 'big'), undefined);

    const failed = await waitFor('FailedScheduling event', async () =>
      (await events(client, 'big')).find((e) => e.reason === 'FailedScheduling'),
    );
    assert.is(failed.type, 'Warning');
    assert.is(failed.message, '0/3 nodes are available: 3 Insufficient cpu.');
    assert.is(failed.source?.component, 'default-scheduler');
    const ok = await waitFor('Scheduled event', async () =>
      (await events(client, 'web')).find((e) => e.reason === 'Scheduled'),
    );
    assert.is(ok.message, 'Successfully assigned default/web to a');

    // A node that fits arrives: the parked pod is retried at once (not after minutes).
    await client.create('nodes', undefined, nodeObj('huge', '16', '32Gi'));
    assert.is(await waitFor('big bound', () => boundNode(client, 'big'), 5_000), 'huge');
  } finally {
    await env.stop();
  }
});

test('back-to-back decisions do not overcommit (assumed pods count before binds return)', async () => {
  const env = await setup();
  try {
    const { client } = env;
    await client.create('nodes', undefined, nodeObj('a', '8', '16Gi'));
    await client.create('nodes', undefined, nodeObj('b', '4', '8Gi'));
    await client.create('nodes', undefined, nodeObj('c', '2', '4Gi'));
    for (let i = 0; i < 4; i++) await client.create('pods', 'default', podObj(`p${i}`, '3', '1Gi'));
    env.scheduler = await startScheduler({ client, log: quiet });

    const placed = await waitFor('three pods bound', async () => {
      const pods = (await client.list<Pod>('pods', 'default')).items;
      const bound = pods.filter((p) => p.spec.nodeName);
      return bound.length === 3 ? bound : undefined;
    });
    const perNode: Record<string, number> = {};
    for (const p of placed) perNode[p.spec.nodeName!] = (perNode[p.spec.nodeName!] ?? 0) + 1;
    assert.equal(perNode, { a: 2, b: 1 });
    const unbound = (await client.list<Pod>('pods', 'default')).items.find((p) => !p.spec.nodeName)!;
    const cond = await waitFor('4th pod PodScheduled=False', async () => {
      const p = await client.get<Pod>('pods', 'default', unbound.metadata.name!);
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    assert.is(cond.message, '0/3 nodes are available: 3 Insufficient cpu.');

    // Deleting a bound pod frees room: the parked pod is retried and lands where it fits.
    const onA = placed.find((p) => p.spec.nodeName === 'a')!;
    await client.delete('pods', 'default', onA.metadata.name!, { gracePeriodSeconds: 0 });
    assert.is(await waitFor('4th pod bound', () => boundNode(client, unbound.metadata.name!)), 'a');
  } finally {
    await env.stop();
  }
});

test('a cordoned node and a tainted node are skipped with their reasons', async () => {
  const env = await setup();
  try {
    const { client } = env;
    const cordoned = nodeObj('cordoned', '4', '8Gi');
    cordoned.spec.unschedulable = true;
    const tainted = nodeObj('tainted', '4', '8Gi');
    tainted.spec.taints = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }];
    await client.create('nodes', undefined, cordoned);
    await client.create('nodes', undefined, tainted);
    await client.create('nodes', undefined, nodeObj('small', '1', '1Gi'));
    await client.create('pods', 'default', podObj('p', '2', '1Gi'));
    env.scheduler = await startScheduler({ client, log: quiet });
    const cond = await waitFor('PodScheduled=False', async () => {
      const p = await client.get<Pod>('pods', 'default', 'p');
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    assert.is(
      cond.message,
      '0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 1 node(s) were unschedulable.',
    );
    // Uncordon: the node update moves the pod back to active.
    await client.patch('nodes', undefined, 'cordoned', { spec: { unschedulable: false } }, 'merge');
    assert.is(await waitFor('p bound', () => boundNode(client, 'p')), 'cordoned');
  } finally {
    await env.stop();
  }
});

test.run();
