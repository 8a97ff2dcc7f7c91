// A paced Rollout (spec.maxPerMinute) against the real API (SQLite in a temp dir) with the real
// DaemonSet and Rollout controllers; the test plays the kubelet (each daemon pod Running and
// Ready, an image named "bad" restarted and never Ready). At 60 boards a minute (a burst of 5,
// then one a second) the 8 boards of one wave with no maxInFlight start their updates spaced
// by the pace, not all at once; `drover rollout status` shows the pace; a bad image, paced the
// same, fails the gate at its third failed board, and the boards that took it go back at once,
// though the bucket is empty (a rollback is not paced); the API refuses a pace under one board
// a minute.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rolloutCommand } from '../../../cli/commands/rollout.js';
import type { ApiWatch } from '../../../hub/api/client.js';
import { ApiError } from '../../../hub/api/errors.js';
import { DaemonSetController } from '../../../hub/controllers/daemonset.js';
import { targetNode } from '../../../hub/controllers/daemonset/placement.js';
import { RolloutController } from '../../../hub/controllers/rollout/controller.js';
import type { Rollout } from '../../../shared/api/rollout.js';
import type { Pod } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { daemonSetOf, setTemplateImage } from '../../helpers/workloads.js';
import { startApi, type TestApi } from '../api/helpers.js';
import { createRingNodes, reportDaemonPod, waitRolloutPhase } from './fixtures.js';
import { waitFor } from './wait.js';

const NODES = Array.from({ length: 8 }, (_, i) => `n${String(i).padStart(2, '0')}`);
const PER_MINUTE = 60;
const BURST = 5;
let t: TestApi;
let ds: DaemonSetController;
let ro: RolloutController;
let kubelet: ApiWatch;
/** When each daemon pod was first seen being deleted, ms, by uid, with its image. */
const deleted = new Map<string, { at: number; image: string }>();
const c = () => t.api.client;

test.before(async () => {
  t = await startApi();
  await createRingNodes(t, NODES);
  kubelet = await c().watch<Pod>('pods', 'default', {}, (ev) => {
    const p = ev.object as Pod;
    const uid = p.metadata.uid ?? '';
    if ((ev.type === 'DELETED' || p.metadata.deletionTimestamp) && !deleted.has(uid))
      deleted.set(uid, { at: Date.now(), image: p.spec.containers[0].image ?? '' });
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') void reportDaemonPod(c(), p);
  });
  ds = new DaemonSetController({ client: c(), log: createLogger('ds', 40) });
  await ds.start();
  ro = new RolloutController({ client: c(), log: createLogger('rollout', 40) });
  await ro.start();
});

test.after(async () => {
  kubelet?.close();
  await ro?.stop();
  await ds?.stop();
  await t.stop();
});

const get = () => c().get<Rollout>('rollouts', 'default', 'agentd');
const waitPhase = (phase: string, notStable?: string) =>
  waitRolloutPhase(c(), 'agentd', phase, notStable, 20_000);
async function nodesOn(image: string): Promise<string[]> {
  return (await c().list<Pod>('pods', 'default', { labelSelector: 'app=agentd' })).items
    .filter((p) => !p.metadata.deletionTimestamp && p.spec.containers[0].image === image)
    .map((p) => targetNode(p) ?? '')
    .sort();
}
/** Deletion times of the pods that ran image, in order, ms. */
const deletionsOf = (image: string) =>
  [...deleted.values()]
    .filter((d) => d.image === image)
    .map((d) => d.at)
    .sort((a, b) => a - b);

test('the API refuses a pace under one board a minute, on the rollout and on a wave, and sets none by default', async () => {
  const spec = {
    targetRef: { kind: 'DaemonSet', name: 'agentd' },
    waves: [{ name: 'all', maxPerMinute: 0 }],
    maxPerMinute: -5,
  };
  try {
    await c().create<Rollout>('rollouts', 'default', {
      apiVersion: 'drover.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: 'bad', namespace: 'default' },
      spec,
    } as unknown as Rollout);
    assert.unreachable('created');
  } catch (e) {
    assert.instance(e, ApiError);
    assert.is((e as ApiError).code, 422);
    const fields = (e as ApiError).causes.map((x) => x.field).sort();
    assert.equal(fields, ['spec.maxPerMinute', 'spec.waves[0].maxPerMinute']);
  }
  await c().create('daemonsets', 'default', daemonSetOf('agentd', 'v1'));
  const created = await c().create<Rollout>('rollouts', 'default', {
    apiVersion: 'drover.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'agentd', namespace: 'default' },
    spec: {
      targetRef: { kind: 'DaemonSet', name: 'agentd' },
      waves: [{ name: 'all' }],
      gate: { soakSeconds: 0 },
    },
  });
  assert.is(created.spec.maxPerMinute, undefined, 'no default pace');
  assert.is(created.spec.waves[0].maxPerMinute, undefined);
  await waitFor(`${NODES.length} pods on v1`, async () => (await nodesOn('v1')).length === NODES.length);
  await waitPhase('Healthy');
});

test(`at ${PER_MINUTE} a minute the ${NODES.length} boards of a wave start ${BURST} at once, then one a second`, async () => {
  await c().patch<Rollout>('rollouts', 'default', 'agentd', { spec: { maxPerMinute: PER_MINUTE } }, 'merge');
  await waitFor('the pace in the spec', async () => (await get()).status?.observedGeneration === 2);
  const stable = (await get()).status?.stableRevision;
  await setTemplateImage(c(), 'daemonsets', 'default', 'agentd', 'v2');
  await waitFor('the rollout started', async () => (await get()).status?.phase === 'Progressing');
  const chunks: string[] = [];
  const code = await rolloutCommand(['status', 'agentd', '--server', t.api.url], (s) => {
    chunks.push(s);
  });
  assert.is(code, 0);
  assert.match(chunks.join(''), `pace: at most ${PER_MINUTE} boards a minute start their update`);
  await waitPhase('Completed', stable);
  assert.equal(await nodesOn('v2'), NODES);
  const at = deletionsOf('v1');
  assert.is(at.length, NODES.length);
  // The bucket's schedule: board i (after the burst) not before i - BURST + 1 seconds after the
  // first; a little slack for the watch's delivery of the first.
  for (let i = BURST; i < at.length; i++)
    assert.ok(
      at[i] - at[0] >= (i - BURST + 1) * 1000 - 100,
      `board ${i} started ${at[i] - at[0]} ms after the first`,
    );
  assert.ok(at[BURST - 1] - at[0] < 900, `the burst at once: ${at[BURST - 1] - at[0]} ms`);
});

test('a failed gate rolls every updated board back at once, the bucket empty: a rollback is not paced', async () => {
  // The gate holds until 3 boards failed: the bad image's starts spend the bucket meanwhile.
  await c().patch<Rollout>(
    'rollouts',
    'default',
    'agentd',
    { spec: { gate: { failureThreshold: { minBoards: 3 } } } },
    'merge',
  );
  await setTemplateImage(c(), 'daemonsets', 'default', 'agentd', 'bad');
  await waitPhase('RolledBack');
  assert.equal(await nodesOn('v2'), NODES);
  const started = deletionsOf('v2');
  const back = deletionsOf('bad');
  assert.ok(started.length < NODES.length, `the gate failed before every board got bad: ${started.length}`);
  assert.is(back.length, started.length);
  // Paced, the bucket spent by the bad boards' starts would give one a second.
  assert.ok(back.length >= 3, `${back.length} boards to roll back`);
  assert.ok(
    back[back.length - 1] - back[0] < 900,
    `rolled back within ${back[back.length - 1] - back[0]} ms`,
  );
});

test.run();
