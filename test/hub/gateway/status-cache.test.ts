// A node status report read against the hub's node cache (ctx.nodes) instead of a store read:
// a report that changes nothing costs no GET and no write, a change is written with the
// cache's resourceVersion, the gateway's own write is not judged against a cache that has not
// seen it yet, and a stale cache costs a Conflict after which the store decides.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { GatewayContext } from '../../../hub/gateway/context.js';
import { handleStatus, sameStatus } from '../../../hub/gateway/status.js';
import { InformerFactory } from '../../../hub/informers/factory.js';
import type { Informer } from '../../../hub/informers/informer.js';
import { ReadYourWrites } from '../../../hub/informers/read-your-writes.js';
import { LeaseTable } from '../../../hub/leases.js';
import type { Node } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import type { NodeStatusReport } from '../../../shared/protocol/messages.js';
import { startApi, type TestApi, waitFor } from '../api/helpers.js';
import { type CallCounts, countingClient } from './counting-client.js';
import { statusReport } from './harness.js';

let t: TestApi;
let counts: CallCounts;
let factory: InformerFactory;
let informer: Informer<Node>;
let nodes: ReadYourWrites<Node>;
let ctx: GatewayContext;
const log = createLogger('gateway', 40);

test.before(async () => {
  t = await startApi();
  // Counts the handler's GETs and status writes; everything else goes to the real API.
  const { client, counts: c } = countingClient(t.api.client);
  counts = c;
  ctx = {
    client,
    log,
    leases: new LeaseTable(),
    onNodeActivity: () => {},
  } as unknown as GatewayContext;
});

/** Each test its own cache (a test stops it to make it stale). */
test.before.each(async () => {
  factory = new InformerFactory(t.api.client, log);
  informer = factory.informer<Node>('nodes');
  await informer.start();
  nodes = new ReadYourWrites(informer);
  ctx.nodes = nodes;
});

test.after.each(() => {
  nodes.close();
  factory.stop();
});

test.after(async () => {
  await t.stop();
});

const cachedRv = (name: string) => informer.get(`/${name}`)?.metadata.resourceVersion;
const stored = (name: string) => t.api.client.get<Node>('nodes', undefined, name);
const reset = () => {
  counts.gets = 0;
  counts.statusWrites = 0;
};

test('an unchanged report reads the cache: no GET, no write', async () => {
  await handleStatus(ctx, 'c-1', statusReport('c-1'));
  const rv = (await stored('c-1')).metadata.resourceVersion;
  await waitFor(() => cachedRv('c-1') === rv, 'the cache holds the registered node');
  reset();
  await handleStatus(ctx, 'c-1', statusReport('c-1'));
  await handleStatus(ctx, 'c-1', statusReport('c-1'));
  assert.is(counts.gets, 0, 'no store read');
  assert.is(counts.statusWrites, 0, 'nothing changed, nothing written');
  assert.is((await stored('c-1')).metadata.resourceVersion, rv);
});

test('a change is written without a GET; the next report is not judged on a cache that has not seen that write', async () => {
  await handleStatus(ctx, 'c-2', statusReport('c-2'));
  const rv0 = (await stored('c-2')).metadata.resourceVersion;
  await waitFor(() => cachedRv('c-2') === rv0, 'the cache holds the registered node');
  informer.stop(); // the cache stays at Ready=True: it never sees the write below
  reset();
  const notReady: Partial<NodeStatusReport> = {
    conditions: [{ type: 'Ready', status: 'False', reason: 'RuntimeDown', message: 'x' }],
  };
  await handleStatus(ctx, 'c-2', statusReport('c-2', notReady));
  assert.is(counts.gets, 0, 'the change was judged on the cache');
  assert.is(counts.statusWrites, 1);
  // The report goes back to Ready before the cache has seen the False write: judged on the
  // cache (still Ready=True) it would look unchanged and the Node would stay False.
  await handleStatus(ctx, 'c-2', statusReport('c-2'));
  assert.is(counts.gets, 1, 'judged on the store');
  const n = await stored('c-2');
  assert.is(n.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});

test('a cache behind a write by someone else: Conflict, then the store decides', async () => {
  await handleStatus(ctx, 'c-3', statusReport('c-3'));
  const rv0 = (await stored('c-3')).metadata.resourceVersion;
  await waitFor(() => cachedRv('c-3') === rv0, 'the cache holds the registered node');
  informer.stop(); // the cache stops here: what follows is not seen
  const cur = await stored('c-3');
  await t.api.client.update<Node>('nodes', undefined, {
    ...cur,
    metadata: { ...cur.metadata, annotations: { note: 'written by someone else' } },
  });
  reset();
  const pressure: Partial<NodeStatusReport> = {
    conditions: [
      { type: 'Ready', status: 'True', reason: 'AgentReady', message: 'ok' },
      { type: 'MemoryPressure', status: 'True', reason: 'Low', message: 'low memory' },
    ],
  };
  await handleStatus(ctx, 'c-3', statusReport('c-3', pressure));
  assert.is(counts.gets, 1, 'the Conflict sent it to the store');
  const n = await stored('c-3');
  assert.is(n.status?.conditions?.find((c) => c.type === 'MemoryPressure')?.status, 'True');
  assert.is(n.metadata.annotations?.note, 'written by someone else');
});

test('sameStatus: heartbeat times and key order do not count; any other difference does', () => {
  const held = {
    capacity: { cpu: '4', memory: '1Gi' },
    conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: 't1', lastTransitionTime: 't0' }],
    nodeInfo: { architecture: 'arm64', osImage: 'x' },
  } as unknown as Node['status'];
  const same = {
    nodeInfo: { osImage: 'x', architecture: 'arm64' },
    conditions: [
      { lastTransitionTime: 't0', status: 'True', type: 'Ready', lastHeartbeatTime: 't2', reason: undefined },
    ],
    capacity: { memory: '1Gi', cpu: '4' },
  };
  assert.ok(sameStatus(held, same as unknown as NonNullable<Node['status']>));
  const changes: unknown[] = [
    { ...same, capacity: { cpu: '4' } },
    { ...same, capacity: { cpu: '4', memory: '1Gi', pods: '10' } },
    { ...same, conditions: [{ ...same.conditions[0], status: 'False' }] },
    { ...same, conditions: [...same.conditions, same.conditions[0]] },
    { ...same, images: [] },
    { ...same, nodeInfo: { osImage: 'x', architecture: 'amd64' } },
  ];
  for (const c of changes)
    assert.not.ok(sameStatus(held, c as NonNullable<Node['status']>), JSON.stringify(c));
  assert.ok(sameStatus(undefined, {}));
  assert.not.ok(sameStatus(undefined, { capacity: {} }));
});

test.run();
