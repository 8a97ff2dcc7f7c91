// Pressure conditions from a real agent's measurements, through a real hub, kubectl and the
// scheduler: the agent started with a memory threshold this machine always meets
// (`--eviction-hard memory.available<100%`) reports MemoryPressure True with the numbers, the
// node gets node.kubernetes.io/memory-pressure:NoSchedule and a pod that can only run there
// stays Pending; restarted with the kubelet's default thresholds, the agent reports False,
// the taint goes and the pod runs.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node, NodeCondition } from '../../shared/api/types.js';
import { getJson } from '../helpers/api.js';
import { waitFor } from '../helpers/wait.js';
import { Cluster, podYaml, running } from './pods-harness.js';

const NODE = 'np-a';
const c = new Cluster([{ name: NODE }]);

test.before(() => c.start());
test.after(() => c.stop());

const nodeObj = () => getJson<Node>(c.hub.apiUrl, `/api/v1/nodes/${NODE}`);
const condition = async (type: string): Promise<NodeCondition | undefined> =>
  (await nodeObj()).status?.conditions?.find((x) => x.type === type);
const tainted = async () =>
  ((await nodeObj()).spec.taints ?? []).some(
    (t) => t.key === 'node.kubernetes.io/memory-pressure' && t.effect === 'NoSchedule',
  );

test('memory threshold met: MemoryPressure True, NoSchedule taint, no new pod; back to False: taint gone, pod runs', async () => {
  assert.is((await condition('MemoryPressure'))?.status, 'False', 'this machine has memory above 100Mi');
  await c.agents[NODE].stop('SIGTERM');
  c.startAgent(NODE, { args: ['--eviction-hard', 'memory.available<100%'] });
  const cond = await waitFor(
    async () => {
      const x = await condition('MemoryPressure');
      return x?.status === 'True' ? x : undefined;
    },
    { timeoutMs: 20_000, what: 'MemoryPressure True' },
  );
  assert.is(cond.reason, 'KubeletHasInsufficientMemory');
  assert.match(cond.message ?? '', /memory\.available below 100%: threshold quantity \d+Mi, available \d+Mi/);
  await waitFor(tainted, { what: 'memory-pressure taint' });

  assert.is((await c.apply(podYaml({ name: 'waits', command: 'exec sleep 3600' }))).code, 0);
  await c.waitPod(
    'waits',
    (p) => p.status?.conditions?.find((x) => x.type === 'PodScheduled')?.reason === 'Unschedulable',
    'Unschedulable while the node is tainted',
  );

  await c.agents[NODE].stop('SIGTERM');
  c.startAgent(NODE);
  await waitFor(async () => (await condition('MemoryPressure'))?.status === 'False', {
    timeoutMs: 20_000,
    what: 'MemoryPressure False',
  });
  await waitFor(async () => !(await tainted()), { what: 'taint removed' });
  const p = await c.waitPod('waits', running, 'Running once the taint is gone', 30_000);
  assert.is(p.spec.nodeName, NODE);
});

test.run();
