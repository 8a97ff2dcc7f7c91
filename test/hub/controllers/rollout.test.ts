// Rollout controller against the real API (SQLite in a temp dir) with the real DaemonSet
// controller; the test plays the kubelet: it reports each daemon pod Running and Ready (an
// image named "bad" restarts and never gets Ready) unless the pod's node is offline, and
// flips nodes NotReady/Ready. Covers what the fleet test does not: validation, pause/resume,
// abort, offline boards (Skip after a timeout, updated on return), a controller restart in the
// middle of a rollout (it continues from the status), and `drover rollout` against it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rolloutCommand } from '../../../cli/commands/rollout.js';
import type { ApiWatch } from '../../../hub/api/client.js';
import { ApiError, isConflict } from '../../../hub/api/errors.js';
import { DaemonSetController } from '../../../hub/controllers/daemonset.js';
import { targetNode } from '../../../hub/controllers/daemonset/placement.js';
import type { RolloutController } from '../../../hub/controllers/rollout/controller.js';
import type { DaemonSet } from '../../../shared/api/apps.js';
import type { Rollout, RolloutSpec } from '../../../shared/api/rollout.js';
import type { Event, Node, Pod } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { startApi, type TestApi } from '../api/helpers.js';
import { createRingNodes, reportDaemonPod, startRolloutController, waitRolloutPhase } from './fixtures.js';
import { waitFor } from './wait.js';
import { daemonSetOf, setTemplateImage } from '../../helpers/workloads.js';

const NODES = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
let t: TestApi;
let ds: DaemonSetController;
let ro: RolloutController;
let kubelet: ApiWatch;
const offline = new Set<string>();
const c = () => t.api.client;
const rev = (p: Pod) => p.metadata.labels?.['controller-revision-hash'] ?? '';

async function report(p: Pod): Promise<void> {
  if (!offline.has(targetNode(p) ?? '')) await reportDaemonPod(c(), p);
}

async function setNodeReady(name: string, ready: boolean): Promise<void> {
  if (ready) offline.delete(name);
  else offline.add(name);
  for (let i = 0; ; i++) {
    const n = await c().get<Node>('nodes', undefined, name);
    n.status = {
      ...n.status,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown', reason: 'Test' }],
    };
    try {
      await c().update<Node>('nodes', undefined, n, 'status');
      break;
    } catch (e) {
      if (!isConflict(e) || i > 5) throw e;
    }
  }
  if (ready) for (const p of await pods()) await report(p);
}

async function pods(): Promise<Pod[]> {
  return (await c().list<Pod>('pods', 'default', { labelSelector: 'app=agentd' })).items;
}

const startRollouts = async () => {
  ro = await startRolloutController(c());
};

test.before(async () => {
  t = await startApi();
  await createRingNodes(t, NODES);
  kubelet = await c().watch<Pod>('pods', 'default', {}, (ev) => {
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') void report(ev.object as Pod);
  });
  ds = new DaemonSetController({ client: c(), log: createLogger('ds', 40) });
  await ds.start();
  await startRollouts();
});

test.after(async () => {
  kubelet?.close();
  await ro?.stop();
  await ds?.stop();
  await t.stop();
});

const setImage = (image: string) => setTemplateImage(c(), 'daemonsets', 'default', 'agentd', image);

const get = () => c().get<Rollout>('rollouts', 'default', 'agentd');
async function patchSpec(spec: Partial<RolloutSpec>): Promise<void> {
  await c().patch<Rollout>('rollouts', 'default', 'agentd', { spec }, 'merge');
}
const waitPhase = (phase: string, notStable?: string, timeoutMs?: number) =>
  waitRolloutPhase(c(), 'agentd', phase, notStable, timeoutMs);
/** `drover rollout ARGS` against the test API: exit code and what it printed. */
async function drover(...args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const code = await rolloutCommand([...args, '--server', t.api.url], (s) => {
    chunks.push(s);
  });
  return { code, out: chunks.join('') };
}
const stableNow = async () => (await get()).status?.stableRevision;
/** Nodes whose live daemon pod runs the image. */
async function nodesOn(image: string): Promise<string[]> {
  return (await pods())
    .filter((p) => !p.metadata.deletionTimestamp && p.spec.containers[0].image === image)
    .map((p) => targetNode(p) ?? '')
    .sort();
}

test('the API refuses an invalid Rollout with field causes and defaults the gate', async () => {
  const bad = {
    apiVersion: 'drover.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'bad', namespace: 'default' },
    spec: {
      targetRef: { kind: 'StatefulSet', name: 'x' },
      waves: [{ percent: 120, count: 2 }, { name: 'wave-1' }],
      offline: { policy: 'Sometimes' },
    },
  } as unknown as Rollout;
  try {
    await c().create<Rollout>('rollouts', 'default', bad);
    assert.unreachable('created');
  } catch (e) {
    assert.instance(e, ApiError);
    assert.is((e as ApiError).code, 422);
    const msg = (e as ApiError).causes.map((x) => x.field).join(' ');
    for (const field of [
      'spec.targetRef.kind',
      'spec.waves[0].percent',
      'spec.waves[0]',
      'spec.waves[1].name',
      'spec.offline.policy',
    ])
      assert.ok(msg.includes(field), `${field} in ${msg}`);
  }
  assert.is((await c().list<Rollout>('rollouts', 'default')).items.length, 0, 'nothing stored');
});

test('a DaemonSet on 6 nodes under a Rollout: Healthy at its first revision', async () => {
  await c().create<DaemonSet>('daemonsets', 'default', daemonSetOf('agentd', 'v1'));
  const created = await c().create<Rollout>('rollouts', 'default', {
    apiVersion: 'drover.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'agentd', namespace: 'default' },
    spec: {
      targetRef: { kind: 'DaemonSet', name: 'agentd' },
      waves: [
        { name: 'canary', selector: { matchLabels: { ring: 'canary' } } },
        { name: 'rest', maxInFlight: 2 },
      ],
      gate: { soakSeconds: 0 },
      offline: { timeoutSeconds: 1 },
    },
  });
  assert.equal(created.spec.gate, {
    soakSeconds: 0,
    boardTimeoutSeconds: 300,
    failureThreshold: { percent: 0, minBoards: 1 },
  });
  assert.equal(created.spec.offline, { policy: 'Skip', timeoutSeconds: 1 });
  await waitFor('6 pods on v1', async () => (await nodesOn('v1')).length === 6);
  const r = await waitPhase('Healthy');
  assert.is(r.status?.boards, 6);
});

test('pause holds every board; resume finishes the rollout', async () => {
  await patchSpec({ paused: true });
  await setImage('v2');
  await waitPhase('Paused');
  assert.equal(await nodesOn('v2'), [], 'no board updated while paused');
  const resumed = await drover('resume', 'agentd');
  assert.is(resumed.code, 0);
  assert.match(resumed.out, /resumed/);
  const r = await waitPhase('Completed');
  assert.equal(await nodesOn('v2'), NODES);
  assert.equal(
    r.status?.waves?.map((w) => [w.name, w.boards, w.healthy]),
    [
      ['canary', 1, 1],
      ['rest', 5, 5],
    ],
  );
  const { code, out } = await drover('status', 'agentd');
  assert.is(code, 0);
  assert.match(out, /Completed/);
  assert.match(out, /\[#+\] 6\/6 boards \(100%\)/);
  assert.match(out, /canary\s+1\s+1\s+1\s+0\s+0\s+passed/);
});

test('an offline board is pending, does not hold the gate past the timeout, and updates on return', async () => {
  await setNodeReady('n6', false);
  const before = await stableNow();
  await setImage('v3');
  const r = await waitPhase('Completed', before);
  assert.equal(await nodesOn('v3'), ['n1', 'n2', 'n3', 'n4', 'n5']);
  assert.is(r.status?.waves?.[1]?.pending, 1);
  await setNodeReady('n6', true);
  await waitFor('n6 on v3 after its return', async () => (await nodesOn('v3')).length === 6);
});

test('the controller restarted mid-rollout continues from the status', async () => {
  await patchSpec({ paused: true });
  const before = await stableNow();
  await setImage('v4');
  await waitPhase('Paused');
  await ro.stop();
  await patchSpec({ paused: false });
  await startRollouts();
  await waitPhase('Completed', before);
  assert.equal(await nodesOn('v4'), NODES);
});

test('abort rolls every board back to the stable revision and holds there', async () => {
  const stable = (await get()).status?.stableRevision;
  await patchSpec({ paused: true });
  await setImage('v5');
  await waitPhase('Paused');
  // The canary soaks for a minute: the abort comes while it is in flight.
  await patchSpec({
    paused: false,
    waves: [
      { name: 'canary', selector: { matchLabels: { ring: 'canary' } }, gate: { soakSeconds: 60 } },
      { name: 'rest', maxInFlight: 2 },
    ],
  });
  await waitFor('the canary on v5', async () => (await nodesOn('v5')).length >= 1);
  assert.is((await drover('abort', 'agentd')).code, 0);
  const r = await waitPhase('Aborted');
  assert.equal(await nodesOn('v4'), NODES);
  assert.ok((await pods()).filter((p) => !p.metadata.deletionTimestamp).every((p) => rev(p) === stable));
  assert.is(r.status?.stableRevision, stable);
  const status = await drover('status', 'agentd');
  assert.is(status.code, 1, 'aborted exits 1');
  assert.match(status.out, /Aborted/);
  assert.is((await drover('resume', 'agentd')).code, 0);
});

test('a restarting canary fails the gate: rolled back, the rest untouched', async () => {
  await setImage('bad');
  const r = await waitPhase('RolledBack');
  assert.equal(await nodesOn('v4'), NODES);
  assert.is(r.status?.waves?.[0]?.failed, 1);
  const events = (await c().list<Event>('events', 'default')).items.filter(
    (e) => e.involvedObject.kind === 'Rollout',
  );
  const failed = events.find((e) => e.reason === 'GateFailed');
  assert.match(failed?.message ?? '', /wave canary: 1 of 1 boards failed \(n1: restarted 1 time\(s\)\)/);
  const d = await c().get<DaemonSet>('daemonsets', 'default', 'agentd');
  assert.is(d.spec.template.spec.containers[0].image, 'v4');
});

test.run();
