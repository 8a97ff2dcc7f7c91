// When a node's desired set goes out again: on a change the agent reads (spec, metadata, and of
// the status only podIP and hostIP, when a container's env reads them: agent-visible.ts), not on
// a status report that changes nothing else (the board's own report coming back).
import { setImmediate as turn } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DesiredPublisher } from '../../../hub/gateway/desired.js';
import { agentView, agentVisibleChange } from '../../../hub/gateway/agent-visible.js';
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

/** base() with a container whose downward API env reads status.<field>. */
const reading = (field: 'podIP' | 'hostIP'): Pod => {
  const p = base();
  p.spec.containers[0].env = [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: `status.${field}` } } }];
  return p;
};

test('agentVisibleChange: status fields the agent writes itself are not a change; podIP and hostIP only when an env reads them; metadata and spec are', () => {
  const cases: [string, Pod, (p: Pod) => Pod, boolean][] = [
    [
      'resourceVersion only',
      base(),
      (p) => ({ ...p, metadata: { ...p.metadata, resourceVersion: '6' } }),
      false,
    ],
    [
      'phase and conditions',
      base(),
      (p) => ({
        ...p,
        status: { ...p.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
      }),
      false,
    ],
    [
      'podIP set, nothing reads it',
      base(),
      (p) => ({ ...p, status: { ...p.status, podIP: '172.17.0.2' } }),
      false,
    ],
    [
      'hostIP changed, nothing reads it',
      base(),
      (p) => ({ ...p, status: { ...p.status, hostIP: '10.0.0.2' } }),
      false,
    ],
    [
      'podIP set, an env reads it',
      reading('podIP'),
      (p) => ({ ...p, status: { ...p.status, podIP: '172.17.0.2' } }),
      true,
    ],
    [
      'podIP set, an env reads hostIP',
      reading('hostIP'),
      (p) => ({ ...p, status: { ...p.status, podIP: '172.17.0.2' } }),
      true,
    ],
    [
      'hostIP changed, an env reads it',
      reading('hostIP'),
      (p) => ({ ...p, status: { ...p.status, hostIP: '10.0.0.2' } }),
      true,
    ],
    [
      'hostIP gone, an env reads it',
      reading('hostIP'),
      (p) => ({ ...p, status: { phase: 'Pending' } }),
      true,
    ],
    [
      'podIP set, an init container reads it',
      { ...base(), spec: { ...base().spec, initContainers: reading('podIP').spec.containers } },
      (p) => ({ ...p, status: { ...p.status, podIP: '172.17.0.2' } }),
      true,
    ],
    [
      'phase, an env reads podIP',
      reading('podIP'),
      (p) => ({ ...p, status: { ...p.status, phase: 'Running' } }),
      false,
    ],
    ['a label', base(), (p) => ({ ...p, metadata: { ...p.metadata, labels: { app: 'b' } } }), true],
    ['an annotation', base(), (p) => ({ ...p, metadata: { ...p.metadata, annotations: { x: 'y' } } }), true],
    [
      'deletionTimestamp',
      base(),
      (p) => ({ ...p, metadata: { ...p.metadata, deletionTimestamp: '2026-12-03T08:00:00Z' } }),
      true,
    ],
    [
      'an image',
      base(),
      (p) => ({ ...p, spec: { ...p.spec, containers: [{ name: 'c', image: 'nginx:2' }] } }),
      true,
    ],
  ];
  for (const [what, old, change, want] of cases)
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

test("a status-only report does not republish the node's set; a podIP change does when an env reads it", async () => {
  for (const [name, env] of [
    ['web', undefined],
    ['reader', [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }]],
  ] as const) {
    await c().create<Pod>('pods', 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default' },
      spec: {
        nodeName: name,
        containers: [{ name: 'c', image: 'nginx', ...(env ? { env: [...env] } : {}) }],
      },
    });
    await waitFor(`${name} set with its pod`, () => setsOf(name).some((s) => s.pods.length === 1));
  }
  const count = { web: setsOf('web').length, reader: setsOf('reader').length };

  // The board's first report: phase, conditions, hostIP and podIP at once.
  const first: PodStatus = {
    phase: 'Running',
    hostIP: '10.0.0.1',
    podIP: '172.17.0.2',
    conditions: [{ type: 'Ready', status: 'True' }],
  };
  await writeStatus('web', first);
  await writeStatus('reader', first);
  assert.is(setsOf('web').length, count.web, 'nothing in web reads podIP or hostIP: no new set');
  assert.is(desired.podsOf('web')[0].status?.podIP, '172.17.0.2', 'held for the next publish');
  const last = setsOf('reader').at(-1);
  assert.is(setsOf('reader').length, count.reader + 1, 'an env reads podIP: one new set');
  assert.is(last?.pods[0].status?.podIP, '172.17.0.2');

  await writeStatus('reader', { ...first, conditions: [{ type: 'Ready', status: 'False' }] });
  assert.is(setsOf('reader').length, count.reader + 1, 'readiness alone: no new set');
  assert.is(desired.podsOf('reader')[0].status?.conditions?.[0].status, 'False', 'held for the next publish');

  await writeStatus('reader', { ...first, podIP: '172.17.0.3' });
  assert.is(setsOf('reader').length, count.reader + 2, 'the podIP changed: one new set');
  assert.equal(
    setsOf('reader').at(-1)?.pods[0].status,
    { hostIP: '10.0.0.1', podIP: '172.17.0.3' },
    'of the status only what the agent reads (agentView)',
  );
});

test('agentView: spec and metadata whole but managedFields; podIP and hostIP only when an env reads them', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'default',
      labels: { app: 'a' },
      managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx' }] },
    status: { phase: 'Running', hostIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
  } as Pod;
  const view = agentView(pod);
  assert.equal(view.metadata, { name: 'p', namespace: 'default', labels: { app: 'a' } });
  assert.is(view.spec, pod.spec, 'spec shared, not copied');
  assert.is(view.status, undefined, 'no container reads the status: none carried');
  assert.ok((pod.metadata as { managedFields?: unknown }).managedFields, 'the held pod is left alone');
  const reader = {
    ...pod,
    spec: {
      ...pod.spec,
      containers: [
        {
          name: 'c',
          image: 'nginx',
          env: [{ name: 'H', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }],
        },
      ],
    },
  };
  assert.equal(agentView(reader).status, { hostIP: '10.0.0.1' });
  assert.is(pod.status?.phase, 'Running');
});

test.run();
