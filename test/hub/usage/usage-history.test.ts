// A board's usage history (issue #12): the usage in its status reports is kept in a bounded
// ring per node in the hub's memory and served at GET /api/v1/nodes/<name>/usage, without a
// store write per report; a lying board's usage is refused with its report; readers need RBAC
// on nodes/usage; the history goes with the Node. A real hub, the board as mqtt.js.
import type { MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Lease, Node } from '../../../shared/api/types.js';
import { tlsFetch } from '../../../hub/api/client-tls.js';
import type { NodeUsageHistory } from '../../../shared/api/usage.js';
import { apiFetch, serviceAccountToken } from '../../helpers/api.js';
import { waitFor } from '../controllers/wait.js';
import { connectNode, hubPerFile, join, sendStatus } from '../gateway/harness.js';

const SAMPLES = 3;
const hub = hubPerFile({ usageHistorySamples: SAMPLES });
const NODE = 'board-use';
let board: MqttClient;

test.before(async () => {
  board = await connectNode(hub(), NODE, (await join(hub(), NODE)).password!);
});

test.after(async () => {
  await board?.endAsync(true);
});

/** As the hub's admin (client certificate), or with only a bearer token (no certificate). */
const history = async (name = NODE, token?: string) => {
  const path = `/api/v1/nodes/${name}/usage`;
  const res = token
    ? await tlsFetch({ caPem: hub().caPem })(`${hub().apiUrl}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    : await apiFetch(hub().apiUrl, path);
  return { code: res.status, body: (await res.json()) as NodeUsageHistory };
};
const revision = async () =>
  Number((await hub().client.list<Node>('nodes', undefined)).metadata.resourceVersion);
const handled = (n: number) => waitFor(`${n} handled`, () => hub().gateway.stats.handled >= n);

test('usage from status reports: the latest samples, oldest first, bounded; no store write for them', async () => {
  await sendStatus(board, NODE, { usage: { cpuPercent: 5, memoryBytes: 1e8 } });
  // The first report registers the Node and its Lease; every later write would be the usage's.
  await waitFor(
    'node and lease',
    async () =>
      (
        await hub()
          .client.get<Lease>('leases', 'kube-node-lease', NODE)
          .catch(() => undefined)
      )?.spec,
  );
  const rev = await revision();
  const from = hub().gateway.stats.handled;
  const sent = [10, 20.5, 30, 40, 50].map((cpu, i) => ({ cpuPercent: cpu, memoryBytes: 2e8 + i * 1e6 }));
  for (const usage of sent) await sendStatus(board, NODE, { usage });
  await handled(from + sent.length);
  const h = await history();
  assert.is(h.code, 200);
  assert.is(h.body.kind, 'NodeUsageHistory');
  assert.is(h.body.capacity, SAMPLES);
  assert.equal(
    h.body.samples.map(({ cpuPercent, memoryBytes }) => ({ cpuPercent, memoryBytes })),
    sent.slice(-SAMPLES),
  );
  const times = h.body.samples.map((s) => Date.parse(s.time));
  assert.ok(
    times.every((t, i) => Number.isFinite(t) && (i === 0 || t >= times[i - 1])),
    'in time order',
  );
  assert.is(await revision(), rev, 'no store write for usage-only changes');
});

test('a lying board: usage out of bounds or unknown refuses the report; the history is unchanged', async () => {
  const before = (await history()).body.samples;
  const refused = hub().gateway.stats.refused;
  const lies = [
    { cpuPercent: 1e9 },
    { cpuPercent: -1 },
    { memoryBytes: 2 ** 60 },
    { memoryBytes: '100' },
    { cpuPercent: 1, gpuPercent: 3 },
  ] as unknown as NonNullable<Parameters<typeof sendStatus>[2]>['usage'][];
  for (const usage of lies) await sendStatus(board, NODE, { usage });
  await waitFor('refused', () => hub().gateway.stats.refused >= refused + lies.length);
  assert.equal((await history()).body.samples, before);
});

test('readers need get on nodes/usage (view has no nodes); a missing Node is 404', async () => {
  const viewer = await serviceAccountToken(hub().apiUrl, 'usage-viewer', 'view');
  assert.is((await history(NODE, viewer)).code, 403);
  const admin = await serviceAccountToken(hub().apiUrl, 'usage-admin', 'cluster-admin');
  assert.is((await history(NODE, admin)).code, 200);
  const missing = await history('no-such-board');
  assert.is(missing.code, 404);
});

test('the history goes with the Node', async () => {
  assert.ok((await history()).body.samples.length > 0);
  await hub().client.delete('nodes', undefined, NODE);
  await waitFor(
    'node gone',
    async () =>
      !(await hub()
        .client.get<Node>('nodes', undefined, NODE)
        .catch(() => undefined)),
  );
  await hub().client.create<Node>('nodes', undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: NODE },
    spec: {},
  });
  await waitFor('history forgotten', async () => (await history()).body.samples.length === 0);
});

test.run();
