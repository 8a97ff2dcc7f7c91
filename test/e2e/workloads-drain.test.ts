// kubectl drain on real agents (issue #17 item 5): two boards, a Deployment of 2 with a
// PodDisruptionBudget minAvailable 1. Draining a board cordons it, evicts through
// pods/eviction (kubectl posts the Eviction as protobuf), waits until each pod is gone, and
// the budget keeps one replica Ready all the way (checked from a pod watch while it runs). A
// budget that allows no disruption makes drain wait and fail with its reason; nothing is deleted.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PodDisruptionBudget } from '../../shared/api/policy.js';
import type { Node } from '../../shared/api/types.js';
import { getJson } from '../helpers/api.js';
import { waitFor } from '../helpers/wait.js';
import { ready } from './pods-harness.js';
import { active, deploymentYaml, PodWatch, WorkloadCluster } from './workloads-harness.js';

const c = new WorkloadCluster([{ name: 'dr-a' }, { name: 'dr-b' }]);

test.before(() => c.start());
test.after(() => c.stop());

function pdbYaml(name: string, app: string, minAvailable: number): string {
  return `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${name}
spec:
  minAvailable: ${minAvailable}
  selector:
    matchLabels:
      app: ${app}
`;
}

async function budget(name: string): Promise<PodDisruptionBudget> {
  return getJson<PodDisruptionBudget>(
    c.hub.apiUrl,
    `/apis/policy/v1/namespaces/default/poddisruptionbudgets/${name}`,
  );
}

async function rolledOut(name: string): Promise<void> {
  const st = await c.k(['rollout', 'status', `deployment/${name}`, '--timeout=60s'], 70_000);
  assert.is(st.code, 0, `${st.stdout}${st.stderr}\n${c.tails()}`);
}

test('kubectl drain evicts within the budget: one replica Ready throughout, the board empty and cordoned', async () => {
  assert.is(
    (await c.apply(deploymentYaml({ name: 'kept', replicas: 2, command: 'exec sleep 3600' }))).code,
    0,
  );
  assert.is((await c.apply(pdbYaml('kept', 'kept', 1))).code, 0);
  await rolledOut('kept');
  await waitFor(async () => (await budget('kept')).status?.disruptionsAllowed === 1, {
    timeoutMs: 20_000,
    what: 'the budget to allow one disruption',
  });
  const get = await c.k(['get', 'pdb', 'kept']);
  assert.match(get.stdout, /kept\s+1\s+N\/A\s+1\s+/, 'kubectl get pdb prints the budget');
  // Drain the board that holds a replica (the scheduler spreads them; take whichever).
  const victim = (await c.pods('app=kept')).find(active)?.spec.nodeName ?? 'dr-a';
  const watch = await PodWatch.start(c.hub.apiUrl, 'app=kept');
  const d = await c.k(['drain', victim, '--ignore-daemonsets', '--timeout=90s'], 100_000);
  await watch.stop();
  assert.is(d.code, 0, `${d.stdout}${d.stderr}\n${c.tails()}`);
  assert.match(`${d.stdout}${d.stderr}`, /evicting pod default\/kept-/);
  assert.match(d.stdout, new RegExp(`node/${victim} drained`));
  const node = await getJson<Node>(c.hub.apiUrl, `/api/v1/nodes/${victim}`);
  assert.is(node.spec?.unschedulable, true, 'cordoned');
  const left = (await c.pods('app=kept')).filter((p) => active(p) && p.spec.nodeName === victim);
  assert.equal(left, [], 'no replica left on the drained board');
  const minReady = Math.min(...watch.samples.filter((s) => s.atMs > 0).map((s) => s.ready));
  assert.ok(minReady >= 1, `the budget kept a replica Ready during the drain (min ${minReady})`);
  await rolledOut('kept');
  const pods = (await c.pods('app=kept')).filter(active);
  assert.is(pods.filter(ready).length, 2, 'both replicas Ready again, on the other board');
  assert.ok(pods.every((p) => p.spec.nodeName !== victim));
  assert.is((await c.k(['uncordon', victim])).code, 0);
  assert.is((await c.k(['delete', 'deployment', 'kept'])).code, 0);
});

test('a budget that allows no disruption: drain waits, reports the budget, deletes nothing', async () => {
  const yaml = deploymentYaml({
    name: 'held',
    replicas: 1,
    command: 'exec sleep 3600',
    podSpec: '      nodeSelector:\n        kubernetes.io/hostname: dr-b\n',
  });
  assert.is((await c.apply(yaml)).code, 0);
  assert.is((await c.apply(pdbYaml('held', 'held', 1))).code, 0);
  await rolledOut('held');
  await waitFor(async () => (await budget('held')).status?.currentHealthy === 1, {
    timeoutMs: 20_000,
    what: 'the budget to see its one healthy pod',
  });
  const before = (await c.pods('app=held')).filter(active).map((p) => p.metadata.uid);
  assert.is(before.length, 1);
  // kubectl retries a refused eviction every 5 s and looks at its timeout between tries: 3 s
  // ends it after the first refusal (6 s waited out a second one, 10 s in all).
  const d = await c.k(['drain', 'dr-b', '--ignore-daemonsets', '--timeout=3s'], 30_000);
  assert.is.not(d.code, 0, 'drain gives up at its timeout');
  assert.match(`${d.stdout}${d.stderr}`, /Cannot evict pod as it would violate the pod's disruption budget/);
  const after = (await c.pods('app=held')).filter(active).map((p) => p.metadata.uid);
  assert.equal(after, before, 'the pod is still there, not terminating');
  assert.is((await budget('held')).status?.disruptionsAllowed, 0);
  assert.is((await c.k(['uncordon', 'dr-b'])).code, 0);
});

test.run();
