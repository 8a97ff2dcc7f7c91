// A pod status report read against the desired publisher's copy of the pod (ctx.heldPod)
// instead of a store read: a current copy writes without a GET, a stale one costs a conflict
// and the store decides, and a copy that would refuse is checked against the store first.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { GatewayContext } from '../../../hub/gateway/context.js';
import { handlePodStatus } from '../../../hub/gateway/pod-status.js';
import type { Pod, PodStatus } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { PROTOCOL_VERSION } from '../../../shared/protocol/constants.js';
import type { PodStatusReport } from '../../../shared/protocol/messages.js';
import { startApi, type TestApi } from '../api/helpers.js';
import { type CallCounts, countingClient } from './counting-client.js';

let t: TestApi;
let counts: CallCounts;
let held: Pod | undefined;
let ctx: GatewayContext;

test.before(async () => {
  t = await startApi();
  // Counts the handler's GETs; everything else goes to the real API.
  const { client, counts: c } = countingClient(t.api.client);
  counts = c;
  ctx = {
    client,
    log: createLogger('gateway', 40),
    heldPod: () => held,
  } as unknown as GatewayContext;
});

test.after(async () => {
  await t.stop();
});

const running = (ip: string): PodStatus => ({
  phase: 'Running',
  hostIP: '10.0.0.1',
  podIP: ip,
  conditions: [{ type: 'Ready', status: 'True' }],
});

const report = (pod: Pod, status: PodStatus): PodStatusReport => ({
  v: PROTOCOL_VERSION,
  uid: pod.metadata.uid ?? '',
  status,
});

async function boundPod(name: string): Promise<Pod> {
  return t.api.client.create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] },
  });
}

test('a current held copy: the status is written without a GET', async () => {
  const pod = await boundPod('fresh');
  held = pod;
  counts.gets = 0;
  await handlePodStatus(ctx, 'n1', 'default', 'fresh', report(pod, running('172.17.0.2')));
  assert.is(counts.gets, 0);
  const stored = await t.api.client.get<Pod>('pods', 'default', 'fresh');
  assert.is(stored.status?.podIP, '172.17.0.2');
});

test('a stale held copy: the write conflicts, the store is read, the report lands', async () => {
  const pod = await boundPod('stale');
  held = pod;
  // Someone else writes after the copy was taken.
  await t.api.client.update<Pod>('pods', 'default', { ...pod, status: running('172.17.0.3') }, 'status');
  counts.gets = 0;
  await handlePodStatus(ctx, 'n1', 'default', 'stale', report(pod, running('172.17.0.4')));
  assert.is(counts.gets, 1, 'one GET after the conflict');
  const stored = await t.api.client.get<Pod>('pods', 'default', 'stale');
  assert.is(stored.status?.podIP, '172.17.0.4');
});

test('a held copy on another node (stale binding view) is not trusted to refuse: the store decides', async () => {
  const pod = await boundPod('moved');
  held = { ...pod, spec: { ...pod.spec, nodeName: 'n2' } };
  counts.gets = 0;
  await handlePodStatus(ctx, 'n1', 'default', 'moved', report(pod, running('172.17.0.5')));
  assert.is(counts.gets, 1);
  const stored = await t.api.client.get<Pod>('pods', 'default', 'moved');
  assert.is(stored.status?.podIP, '172.17.0.5', 'the store says n1: admitted');
});

test.run();
