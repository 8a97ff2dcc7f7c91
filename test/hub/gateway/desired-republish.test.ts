// When a node's desired set goes out again: on a change the agent reads (spec, metadata, and of
// the status only podIP and hostIP: agent-visible.ts), not on a status report that changes
// nothing else (the board's own report coming back).
import { setImmediate as turn } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DesiredPublisher } from '../../../hub/gateway/desired.js';
import { agentVisibleChange } from '../../../hub/gateway/agent-visible.js';
import { InformerFactory } from '../../../hub/informers/factory.js';
import type { Pod, PodStatus } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { parseTopic } from '../../../shared/mqtt/topics.js';
import { type DesiredState, parseDesiredState } from '../../../shared/protocol/messages.js';
import { startApi, type TestApi } from '../api/helpers.js';
import { waitFor } from '../controllers/wait.js';

let t: TestApi;
let informers: InformerFactory;
let desired: DesiredPublisher;
/** Every set published, with its node. */
const sent: { node: string; set: DesiredState }[] = [];
const c = () => t.api.client;

test.before(async () => {
  t = await startApi();
  const log = createLogger('desired', 40);
  informers = new InformerFactory(c(), log);
  desired = new DesiredPublisher({
    client: c(),
    log,
    informers,
    publish: async (topic, payload) => {
      const to = parseTopic(topic);
      if (to?.kind === 'desired') sent.push({ node: to.node, set: parseDesiredState(payload) });
    },
  });
  await desired.start();
});

test.after(async () => {
  desired.stop();
  informers.stop();
  await t.stop();
});

const base = (): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'u1', resourceVersion: '5', labels: { app: 'a' } },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] },
  status: { phase: 'Pending', hostIP: '10.0.0.1' },
});

test('agentVisibleChange: status fields the agent writes itself are not a change; podIP, hostIP, metadata and spec are', () => {
  const old = base();
  const cases: [string, (p: Pod) => Pod, boolean][] = [
    ['resourceVersion only', (p) => ({ ...p, metadata: { ...p.metadata, resourceVersion: '6' } }), false],
    [
      'phase and conditions',
      (p) => ({
        ...p,
        status: { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
      }),
      false,
    ],
    ['podIP set', (p) => ({ ...p, status: { ...p.status, podIP: '172.17.0.2' } }), true],
    ['hostIP changed', (p) => ({ ...p, status: { ...p.status, hostIP: '10.0.0.2' } }), true],
    ['hostIP gone', (p) => ({ ...p, status: { phase: 'Pending' } }), true],
    ['a label', (p) => ({ ...p, metadata: { ...p.metadata, labels: { app: 'b' } } }), true],
    ['an annotation', (p) => ({ ...p, metadata: { ...p.metadata, annotations: { x: 'y' } } }), true],
    [
      'deletionTimestamp',
      (p) => ({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-12-03T08:00:00Z' } }),
      true,
    ],
    ['an image', (p) => ({ ...p, spec: { ...p.spec, containers: [{ name: 'c', image: 'nginx:2' }] } }), true],
  ];
  for (const [what, change, want] of cases)
    assert.is(agentVisibleChange(old, change(structuredClone(old))), want, what);
});

/** Writes pod p's status and waits until the publisher's informer and flush have seen it. */
async function writeStatus(name: string, status: PodStatus): Promise<void> {
  const cur = await c().get<Pod>('pods', 'default', name);
  const written = await c().update<Pod>('pods', 'default', { ...cur, status }, 'status');
  const rv = Number(written.metadata.resourceVersion);
  await waitFor(
    'the informer saw the write',
    () => Number(informers.informer<Pod>('pods').lastSyncResourceVersion()) >= rv,
  );
  // The publisher flushes dirty nodes at setImmediate: one turn later every publish was made.
  await turn();
  await turn();
}

const setsOf = (node: string) => sent.filter((s) => s.node === node).map((s) => s.set);

test("a status-only report does not republish the node's set; a podIP change does", async () => {
  await c().create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] },
  });
  await waitFor('n1 set with web', () => setsOf('n1').some((s) => s.pods.length === 1));

  await writeStatus('web', { phase: 'Pending', hostIP: '10.0.0.1' });
  const withHost = setsOf('n1').at(-1);
  assert.is(withHost?.pods[0].status?.hostIP, '10.0.0.1', 'a hostIP change goes out');
  const before = setsOf('n1').length;

  await writeStatus('web', {
    phase: 'Running',
    hostIP: '10.0.0.1',
    conditions: [{ type: 'Ready', status: 'True' }],
  });
  assert.is(setsOf('n1').length, before, 'phase and conditions alone: no new set');
  assert.is(desired.podsOf('n1')[0].status?.phase, 'Running', 'held for the next publish');

  await writeStatus('web', { phase: 'Running', hostIP: '10.0.0.1', podIP: '172.17.0.2' });
  const last = setsOf('n1').at(-1);
  assert.is(setsOf('n1').length, before + 1, 'a podIP change: one new set');
  assert.is(last?.pods[0].status?.podIP, '172.17.0.2');
  assert.is(last?.pods[0].status?.phase, 'Running', 'carrying the status held since');
});

test.run();
