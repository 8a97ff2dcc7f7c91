// DaemonSets end to end (real hub, real agents with region labels on the real Docker engine,
// the real kubectl): a DaemonSet with nodeSelector region=north runs one pod and one
// container on each north node and none on the south node; a north board that joins later
// gets its pod and container; deleting the DaemonSet removes pods and containers.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { DaemonSet } from '../../shared/api/apps.js';
import { getJson } from '../helpers/api.js';
import { holdsFor, waitFor } from '../helpers/wait.js';
import { IMAGE, running } from './pods-harness.js';
import { active, WorkloadCluster } from './workloads-harness.js';

const north = { region: 'north' };
const c = new WorkloadCluster(
  [
    { name: 'wds-n1', labels: north },
    { name: 'wds-s1', labels: { region: 'south' } },
    { name: 'wds-n2', labels: north },
    { name: 'wds-n3', labels: north },
  ],
  ['wds-n3'],
);
const SEL = 'app=collector';

test.before(() => c.start());
test.after(() => c.stop());

const DS = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: collector
spec:
  selector:
    matchLabels:
      app: collector
  template:
    metadata:
      labels:
        app: collector
    spec:
      terminationGracePeriodSeconds: 1
      nodeSelector:
        drover.io/region: north
      containers:
      - name: main
        image: ${IMAGE}
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "exec sleep 3600"]
`;

/** Key order does not matter: compare sorted entries. */
const same = (a: Record<string, number>, b: Record<string, number>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** node -> running containers of the DaemonSet there (docker's view). */
async function containersPerNode(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const x of await c.containersOfWorkload('collector-', { running: true })) {
    const n = x.Labels['io.drover.node'] ?? '';
    out[n] = (out[n] ?? 0) + 1;
  }
  return out;
}

/** node -> Running pods of the DaemonSet there (the API's view). */
async function podsPerNode(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of (await c.pods(SEL)).filter((p) => active(p) && running(p))) {
    const n = p.spec.nodeName ?? '';
    out[n] = (out[n] ?? 0) + 1;
  }
  return out;
}

const ds = () => getJson<DaemonSet>(c.hub.apiUrl, '/apis/apps/v1/namespaces/default/daemonsets/collector');

test('a DaemonSet with nodeSelector region=north runs one pod and one container on each north node', async () => {
  const t0 = Date.now();
  const r = await c.apply(DS);
  assert.is(r.code, 0, r.stderr);
  const want = { 'wds-n1': 1, 'wds-n2': 1 };
  await waitFor(async () => same(await podsPerNode(), want), {
    timeoutMs: 30_000,
    what: 'one Running pod on each north node',
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${c.tails()}`);
  });
  await waitFor(async () => same(await containersPerNode(), want), {
    timeoutMs: 20_000,
    what: 'one running container on each north node',
  });
  console.log(`  apply -> a container on each north node in ${Date.now() - t0} ms`);
  // Nothing lands on the south node, and nothing extra appears.
  await holdsFor(async () => same(await containersPerNode(), want), {
    durationMs: 2000,
    what: 'exactly the north nodes run it',
  });
  const d = await waitFor(
    async () => {
      const d = await ds();
      return d.status?.numberReady === 2 ? d : undefined;
    },
    { what: 'status numberReady 2' },
  );
  assert.is(d.status?.desiredNumberScheduled, 2);
  assert.is(d.status?.currentNumberScheduled, 2);
  assert.is(d.status?.numberMisscheduled, 0);
  const g = await c.k(['get', 'ds', 'collector']);
  assert.is(g.code, 0, g.stderr);
  assert.match(g.stdout, /collector\s+2\s+2\s+2/);
});

test('a north board that joins later gets the pod and its container', async () => {
  const t0 = Date.now();
  c.startAgent('wds-n3');
  await c.waitNode('wds-n3', 'True');
  const tJoin = Date.now() - t0;
  const want = { 'wds-n1': 1, 'wds-n2': 1, 'wds-n3': 1 };
  await waitFor(async () => same(await containersPerNode(), want), {
    timeoutMs: 30_000,
    what: 'a running container on the new node',
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${c.tails()}`);
  });
  console.log(`  agent start -> Ready ${tJoin} ms -> DaemonSet container there ${Date.now() - t0} ms`);
  await waitFor(async () => same(await podsPerNode(), want), {
    what: 'a Running pod on the new node',
  });
  await waitFor(async () => (await ds()).status?.numberReady === 3, { what: 'status numberReady 3' });
  assert.is((await ds()).status?.desiredNumberScheduled, 3);
});

test('kubectl delete daemonset removes its pods and containers', async () => {
  const r = await c.k(['delete', 'daemonset', 'collector'], 30_000);
  assert.is(r.code, 0, r.stderr);
  await waitFor(async () => (await c.pods(SEL)).length === 0, { timeoutMs: 20_000, what: 'pods gone' });
  await waitFor(async () => (await c.containersOfWorkload('collector-')).length === 0, {
    timeoutMs: 20_000,
    what: 'containers gone',
  });
});

test.run();
