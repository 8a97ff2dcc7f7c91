// Node pressure conditions -> NoSchedule taints, and the scheduler keeping away, in process
// on the real API (SQLite store), the core controllers and the real scheduler: DiskPressure
// True on node a taints it, a new pod lands on b and a pod that can only go to a waits; the
// condition back to False removes the taint and the waiting pod is bound to a. Other taints
// of the node are kept.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CoreControllers, startCoreControllers } from '../../../hub/controllers/core-controllers.js';
import { withPressureTaints } from '../../../hub/controllers/pressure-taints.js';
import { type RunningScheduler, startScheduler } from '../../../hub/scheduler/scheduler.js';
import type { Node, Pod } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { node, startApi, type TestApi } from '../api/helpers.js';
import { waitFor } from './wait.js';

let t: TestApi;
let core: CoreControllers;
let sched: RunningScheduler;
const c = () => t.api.client;
const quiet = createLogger('test', 40);

test.before(async () => {
  t = await startApi();
  for (const n of ['a', 'b']) await c().create<Node>('nodes', undefined, node(n) as unknown as Node);
  sched = await startScheduler({ client: c(), log: quiet });
  core = await startCoreControllers({ client: c(), log: quiet });
});
test.after(async () => {
  await core.stop();
  await sched.stop();
  await t.stop();
});

const n = (conds: [string, string][], taints: Node['spec']['taints'] = []): Node =>
  ({
    metadata: { name: 'x' },
    spec: { taints },
    status: { conditions: conds.map(([type, status]) => ({ type, status })) },
  }) as unknown as Node;
const keys = (ts: { key: string }[] | undefined) => ts?.map((x) => x.key);

const CASES: { name: string; node: Node; want: string[] | undefined }[] = [
  { name: 'no pressure, no taint: unchanged', node: n([['DiskPressure', 'False']]), want: undefined },
  {
    name: 'memory and PID pressure',
    node: n([
      ['MemoryPressure', 'True'],
      ['PIDPressure', 'True'],
    ]),
    want: ['node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure'],
  },
  {
    name: 'pressure gone: taint removed, others kept',
    node: n(
      [['DiskPressure', 'False']],
      [
        { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' },
        { key: 'dedicated', value: 'edge', effect: 'NoSchedule' },
      ],
    ),
    want: ['dedicated'],
  },
  {
    name: 'already tainted: unchanged',
    node: n([['DiskPressure', 'True']], [{ key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' }]),
    want: undefined,
  },
];
for (const x of CASES)
  test(`withPressureTaints: ${x.name}`, () => assert.equal(keys(withPressureTaints(x.node, 0)), x.want));

async function setDiskPressure(name: string, status: 'True' | 'False'): Promise<void> {
  const cur = await c().get<Node>('nodes', undefined, name);
  const conditions = (cur.status?.conditions ?? []).filter((x) => x.type !== 'DiskPressure');
  conditions.push({
    type: 'DiskPressure',
    status,
    reason: status === 'True' ? 'KubeletHasDiskPressure' : 'KubeletHasNoDiskPressure',
  });
  await c().update<Node>('nodes', undefined, { ...cur, status: { ...cur.status, conditions } }, 'status');
}

const pod = (name: string, spec: Partial<Pod['spec']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});
const taintKeys = async (name: string) =>
  keys((await c().get<Node>('nodes', undefined, name)).spec.taints) ?? [];

test('DiskPressure taints the node, the scheduler avoids it, and both end with the pressure', async () => {
  const get = (name: string) => c().get<Pod>('pods', 'default', name);
  await setDiskPressure('a', 'True');
  await waitFor('disk-pressure taint on a', async () =>
    (await taintKeys('a')).includes('node.kubernetes.io/disk-pressure'),
  );
  await c().create<Pod>('pods', 'default', pod('free'));
  assert.is(await waitFor('free bound', async () => (await get('free')).spec.nodeName), 'b');
  await c().create<Pod>(
    'pods',
    'default',
    pod('only-a', { nodeSelector: { 'kubernetes.io/hostname': 'a' } }),
  );
  await waitFor(
    'only-a Unschedulable',
    async () =>
      (await get('only-a')).status?.conditions?.find((x) => x.type === 'PodScheduled')?.reason ===
      'Unschedulable',
  );
  await setDiskPressure('a', 'False');
  await waitFor(
    'taint removed',
    async () => !(await taintKeys('a')).includes('node.kubernetes.io/disk-pressure'),
  );
  assert.is(await waitFor('only-a bound', async () => (await get('only-a')).spec.nodeName), 'a');
});

test.run();
