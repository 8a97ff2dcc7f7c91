// Partitions end to end (real hub, three real agents on the real Docker engine, one of them
// inside a network namespace whose veth link the test cuts): the cut node goes NotReady, its
// pods are evicted after their toleration (3 s) and run elsewhere; when the link heals its
// agent stops the ghost containers and exactly the declared number of containers runs. A node
// annotated drover.io/autonomy-seconds=0 keeps its pods (objects and containers) through an
// outage longer than the toleration.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event, KubeList, Pod } from '../../shared/api/types.js';
import { getJson } from '../helpers/api.js';
import { NetNs } from '../helpers/netns.js';
import { holdsFor, waitFor } from '../helpers/wait.js';
import { docker, LABEL_NODE, ready, running } from './pods-harness.js';
import { active, deploymentYaml, healthTolerations, WorkloadCluster } from './workloads-harness.js';

const CUT = 'wp-c';
const c = new WorkloadCluster(
  [
    { name: 'wp-a', labels: { site: 'a' } },
    { name: 'wp-b', labels: { site: 'b' } },
    { name: CUT, labels: { site: 'c' } },
  ],
  [CUT],
);
const TOLERATION_S = 3;
let ns: NetNs | undefined;

test.before(async () => {
  ns = NetNs.create({ name: 'drwp', hostAddr: '10.231.0.1', nsAddr: '10.231.0.2', prefix: 30 });
  await c.start();
  c.startAgentInNetns(CUT, ns);
  await c.waitNode(CUT, 'True');
});
test.after(async () => {
  try {
    await c.stop();
  } finally {
    ns?.destroy();
  }
});

/** Running containers (docker's view) of pods with these uids on `node`. */
async function runningOf(uids: Set<string>, node: string): Promise<string[]> {
  const list = await docker.listContainers({ filters: { label: [`${LABEL_NODE}=${node}`] } });
  // The pods' sandboxes (pause containers) are not counted.
  return list
    .filter(
      (x) => uids.has(x.Labels['io.drover.pod.uid'] ?? '') && x.Labels['io.drover.container.name'] !== 'POD',
    )
    .map((x) => x.Id);
}

const ms = (t0: number) => Date.now() - t0;

test('partition: NotReady, eviction after the toleration, pods rescheduled; heal: ghosts stopped, exact count', async () => {
  const r = await c.apply(
    deploymentYaml({
      name: 'part',
      replicas: 6,
      command: 'exec sleep 3600',
      podSpec: healthTolerations(TOLERATION_S),
    }),
  );
  assert.is(r.code, 0, r.stderr);
  await waitFor(async () => (await c.pods('app=part')).filter((p) => active(p) && ready(p)).length === 6, {
    timeoutMs: 30_000,
    what: '6 ready pods',
  });
  const onCut = (await c.pods('app=part')).filter((p) => p.spec.nodeName === CUT);
  assert.ok(onCut.length >= 1, 'the scheduler put some pods on the node to cut');
  const victims = new Set(onCut.map((p) => p.metadata.uid ?? ''));
  await waitFor(async () => (await runningOf(victims, CUT)).length === victims.size, {
    what: 'their containers run on the node',
  });

  const t0 = Date.now();
  ns?.down();
  await c.waitNode(CUT, 'Unknown', 15_000);
  const tNotReady = ms(t0);
  await waitFor(async () => (await c.pods('app=part')).every((p) => !victims.has(p.metadata.uid ?? '')), {
    timeoutMs: 30_000,
    what: 'the cut node pods deleted',
  });
  const tEvicted = ms(t0);
  assert.ok(
    tEvicted - tNotReady >= (TOLERATION_S - 1) * 1000,
    `evicted ${tEvicted - tNotReady} ms after NotReady`,
  );
  await waitFor(
    async () => {
      const live = (await c.pods('app=part')).filter(active);
      return live.length === 6 && live.every((p) => running(p) && p.spec.nodeName !== CUT);
    },
    { timeoutMs: 30_000, what: '6 pods running on the other nodes' },
  );
  const tRescheduled = ms(t0);
  // Cut off, the agent cannot know: the ghosts still run there.
  assert.is(
    (await runningOf(victims, CUT)).length,
    victims.size,
    'ghost containers still running during the cut',
  );

  const t1 = Date.now();
  ns?.up();
  await c.waitNode(CUT, 'True', 60_000);
  const tBack = ms(t1);
  await waitFor(async () => (await runningOf(victims, CUT)).length === 0, {
    timeoutMs: 30_000,
    what: 'ghost containers stopped on the healed node',
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${c.tails()}`);
  });
  const tGhost = ms(t1);
  console.log(
    `  ${victims.size} pods on ${CUT}: NotReady ${tNotReady} ms, evicted ${tEvicted} ms, rescheduled ${tRescheduled} ms after the cut; ` +
      `Ready again ${tBack} ms, ghosts stopped ${tGhost} ms after the heal`,
  );
  await holdsFor(async () => (await c.containersOfWorkload('part-', { running: true })).length === 6, {
    durationMs: 3000,
    intervalMs: 250,
    what: 'exactly 6 running containers across the agents',
  });
  assert.is((await c.pods('app=part')).filter(active).length, 6);
});

test('a node with autonomy-seconds "0" keeps its pods (objects and containers) through a long outage', async () => {
  const a = await c.k(['annotate', 'node', CUT, 'drover.io/autonomy-seconds=0']);
  assert.is(a.code, 0, a.stderr);
  const r = await c.apply(
    deploymentYaml({
      name: 'stay',
      replicas: 2,
      command: 'exec sleep 3600',
      podSpec: `      nodeSelector:\n        drover.io/site: c\n${healthTolerations(TOLERATION_S)}`,
    }),
  );
  assert.is(r.code, 0, r.stderr);
  const pods = await waitFor(
    async () => {
      const l = (await c.pods('app=stay')).filter((p) => active(p) && ready(p));
      return l.length === 2 ? l : undefined;
    },
    { timeoutMs: 30_000, what: '2 ready pods on the node' },
  );
  const uids = new Set(pods.map((p) => p.metadata.uid ?? ''));
  const ids = await waitFor(
    async () => {
      const l = await runningOf(uids, CUT);
      return l.length === 2 ? l.sort() : undefined;
    },
    { what: 'their containers run' },
  );

  ns?.down();
  await c.waitNode(CUT, 'Unknown', 15_000);
  // Well past the 3 s toleration: the pod objects stay, not even marked for deletion.
  await holdsFor(
    async () => {
      const l = (await c.pods('app=stay')).filter((p) => uids.has(p.metadata.uid ?? ''));
      return l.length === 2 && l.every((p) => !p.metadata.deletionTimestamp);
    },
    { durationMs: (TOLERATION_S + 4) * 1000, intervalMs: 250, what: 'the pods stay through the outage' },
  );
  ns?.up();
  await c.waitNode(CUT, 'True', 60_000);
  await holdsFor(
    async () => {
      const l = (await c.pods('app=stay')).filter(active);
      const same = l.length === 2 && l.every((p) => uids.has(p.metadata.uid ?? ''));
      return same && JSON.stringify((await runningOf(uids, CUT)).sort()) === JSON.stringify(ids);
    },
    { durationMs: 3000, intervalMs: 250, what: 'same pods and the same containers after the heal' },
  );
  const ev = await getJson<KubeList<Event>>(c.hub.apiUrl, '/api/v1/namespaces/default/events');
  assert.ok(
    ev.items.some(
      (e) => e.reason === 'TaintManagerEvictionSuppressed' && uids.has(e.involvedObject.uid ?? ''),
    ),
    'an event says why the pod stayed',
  );
  const still: Pod[] = (await c.pods('app=stay')).filter((p) => running(p));
  assert.is(still.length, 2);
});

test.run();
