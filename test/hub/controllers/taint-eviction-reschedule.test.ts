// The whole self-healing chain in process, no agents: scheduler + ReplicaSet controller +
// startCoreControllers (taint eviction, pod GC, DaemonSet, GC). A node becomes unreachable
// (Ready=Unknown and the unreachable NoSchedule+NoExecute taints set by hand, exactly as the
// node lifecycle controller writes them) -> the ReplicaSet's pod is evicted after its
// tolerationSeconds, force-deleted by the pod GC (its agent cannot confirm), recreated by the
// ReplicaSet and bound by the scheduler to the healthy node; the DaemonSet's pod stays.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CoreControllers, startCoreControllers } from '../../../hub/controllers/core-controllers.js';
import { withHealthTaints } from '../../../hub/controllers/node-lifecycle.js';
import { ReplicaSetController } from '../../../hub/controllers/replicaset.js';
import { type RunningScheduler, startScheduler } from '../../../hub/scheduler/scheduler.js';
import type { DaemonSet, ReplicaSet } from '../../../shared/api/apps.js';
import type { Node, Pod } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { node, startApi, type TestApi } from '../api/helpers.js';
import { waitFor } from './wait.js';

let t: TestApi;
let core: CoreControllers;
let rsc: ReplicaSetController;
let sched: RunningScheduler;
const c = () => t.api.client;
const quiet = createLogger('test', 40);

test.before(async () => {
  t = await startApi();
  for (const n of ['a', 'b']) await c().create<Node>('nodes', undefined, node(n) as unknown as Node);
  sched = await startScheduler({ client: c(), log: quiet });
  rsc = new ReplicaSetController({ client: c(), log: quiet });
  await rsc.start();
  core = await startCoreControllers({ client: c(), log: quiet });
});
test.after(async () => {
  await core.stop();
  await rsc.stop();
  await sched.stop();
  await t.stop();
});

const spec = (extra: Partial<Pod['spec']> = {}): Pod['spec'] => ({
  terminationGracePeriodSeconds: 1,
  containers: [{ name: 'c', image: 'busybox' }],
  ...extra,
});

async function live(labelSelector: string): Promise<Pod[]> {
  return (await c().list<Pod>('pods', 'default', { labelSelector })).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );
}

test('unreachable node: RS pod evicted after its toleration and rescheduled on the healthy node; DS pod stays', async () => {
  await c().create<DaemonSet>('daemonsets', 'default', {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent-side', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'agent-side' } },
      template: { metadata: { labels: { app: 'agent-side' } }, spec: spec() },
    },
  });
  await c().create<ReplicaSet>('replicasets', 'default', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: spec({
          tolerations: [
            {
              key: 'node.kubernetes.io/unreachable',
              operator: 'Exists',
              effect: 'NoExecute',
              tolerationSeconds: 1,
            },
          ],
        }),
      },
    },
  });
  const ds = await waitFor(
    'DS pods bound on a and b',
    async () => {
      const ps = await live('app=agent-side');
      const nodes = ps.map((p) => p.spec.nodeName).sort();
      return JSON.stringify(nodes) === '["a","b"]' ? ps : undefined;
    },
    10_000,
  );
  const first = await waitFor(
    'web pod bound',
    async () => (await live('app=web')).find((p) => p.spec.nodeName),
    10_000,
  );
  const bad = first.spec.nodeName ?? '';
  const good = bad === 'a' ? 'b' : 'a';

  const n = await c().get<Node>('nodes', undefined, bad);
  const conds = (n.status?.conditions ?? []).filter((x) => x.type !== 'Ready');
  conds.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' });
  const n2 = await c().update<Node>(
    'nodes',
    undefined,
    { ...n, status: { ...n.status, conditions: conds } },
    'status',
  );
  const taints = withHealthTaints(n2.spec.taints ?? [], 'node.kubernetes.io/unreachable', Date.now()) ?? [];
  await c().update<Node>('nodes', undefined, { ...n2, spec: { ...n2.spec, taints } });

  const replacement = await waitFor(
    'replacement bound to the healthy node',
    async () =>
      (await live('app=web')).find((p) => p.spec.nodeName === good && p.metadata.uid !== first.metadata.uid),
    15_000,
  );
  assert.ok(replacement);
  await waitFor('the evicted pod object is gone', async () => {
    const all = (await c().list<Pod>('pods', 'default', { labelSelector: 'app=web' })).items;
    return !all.some((p) => p.metadata.uid === first.metadata.uid);
  });
  assert.is((await live('app=web')).length, 1, 'exactly the declared replica count');
  const dsNow = await live('app=agent-side');
  assert.equal(
    dsNow.map((p) => p.metadata.uid).sort(),
    ds.map((p) => p.metadata.uid).sort(),
    'the daemon pods tolerate unreachable forever',
  );
});

test.run();
