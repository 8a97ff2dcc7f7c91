// The agent as a rollout target, against the real API (SQLite in a temp dir) and the real
// Rollout controller; the test plays the boards: a board whose Node is ordered a version
// (drover.io/agent-version) reports it as its kubeletVersion, as an agent does once it has
// swapped bundles and rejoined. The real agents' self-update is test/agent/self-update.test.ts;
// this file covers the controller's side that needs no restarts: a completed rollout, and an
// abort in the middle of the canary's soak, which must bring every board back to the stable
// version (it used to wait forever: an abort sets no failed revision, so the version to run
// stayed the spec's).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiWatch } from '../../../hub/api/client.js';
import { isConflict } from '../../../hub/api/errors.js';
import type { RolloutController } from '../../../hub/controllers/rollout/controller.js';
import { AGENT_VERSION_ANNOTATION, type Rollout, type RolloutSpec } from '../../../shared/api/rollout.js';
import type { Node } from '../../../shared/api/types.js';
import { startApi, type TestApi } from '../api/helpers.js';
import { createRingNodes, startRolloutController, waitRolloutPhase } from './fixtures.js';
import { waitFor } from './wait.js';

const NODES = ['a1', 'a2', 'a3', 'a4'];
const NAME = 'agents';
let t: TestApi;
let ro: RolloutController;
let boards: ApiWatch;
const c = () => t.api.client;

/** The board reports version as its agent's (node status), Ready since now. */
async function reportVersion(name: string, version: string): Promise<void> {
  for (let i = 0; ; i++) {
    const n = await c().get<Node>('nodes', undefined, name);
    if (n.status?.nodeInfo?.kubeletVersion === version) return;
    const now = new Date().toISOString();
    n.status = {
      ...n.status,
      nodeInfo: { ...n.status?.nodeInfo, kubeletVersion: version } as NonNullable<Node['status']>['nodeInfo'],
      conditions: [{ type: 'Ready', status: 'True', reason: 'Test', lastTransitionTime: now }],
    };
    try {
      await c().update<Node>('nodes', undefined, n, 'status');
      return;
    } catch (e) {
      if (!isConflict(e) || i > 5) throw e;
    }
  }
}

const versions = async () =>
  Object.fromEntries(
    (await c().list<Node>('nodes', undefined)).items.map((n) => [
      n.metadata.name,
      n.status?.nodeInfo?.kubeletVersion,
    ]),
  );
const every = (v: string) => Object.fromEntries(NODES.map((n) => [n, v]));
const get = () => c().get<Rollout>('rollouts', 'default', NAME);

/** The rollout in phase for its current spec (agentVersion = version); on timeout, where it stood. */
async function waitPhase(phase: string, version: string): Promise<Rollout> {
  const r = await waitRolloutPhase(c(), NAME, phase, undefined, 15_000).catch(async (e: Error) => {
    throw new Error(
      `${e.message}: ${JSON.stringify((await get()).status)} boards ${JSON.stringify(await versions())}`,
    );
  });
  assert.is(r.spec.agentVersion, version);
  return r;
}

const patchSpec = (spec: Partial<RolloutSpec>) =>
  c().patch<Rollout>('rollouts', 'default', NAME, { spec }, 'merge');

test.before(async () => {
  t = await startApi();
  await createRingNodes(t, NODES);
  for (const n of NODES) await reportVersion(n, 'A');
  // The boards: an ordered version is swapped to and reported.
  boards = await c().watch<Node>('nodes', undefined, {}, (ev) => {
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
    const n = ev.object as Node;
    const ordered = n.metadata.annotations?.[AGENT_VERSION_ANNOTATION];
    if (ordered && ordered !== n.status?.nodeInfo?.kubeletVersion)
      void reportVersion(n.metadata.name ?? '', ordered).catch(() => {});
  });
  ro = await startRolloutController(c());
  await c().create<Rollout>('rollouts', 'default', {
    apiVersion: 'drover.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: NAME, namespace: 'default' },
    spec: {
      targetRef: { apiVersion: 'drover.io/v1alpha1', kind: 'Agent', name: 'drover-agent' },
      agentVersion: 'A',
      waves: [{ name: 'canary', selector: { matchLabels: { ring: 'canary' } } }, { name: 'rest' }],
      gate: { soakSeconds: 1, boardTimeoutSeconds: 30 },
    },
  });
});

test.after(async () => {
  boards?.close();
  await ro?.stop();
  await t.stop();
});

test('A -> B: every board is ordered B and the rollout completes with B stable', async () => {
  await waitPhase('Healthy', 'A').catch(() => waitPhase('Completed', 'A'));
  await patchSpec({ agentVersion: 'B' });
  const r = await waitPhase('Completed', 'B');
  assert.is(r.status?.stableRevision, 'B');
  assert.equal(await versions(), every('B'));
});

test('abort during the canary soak: every board goes back to the stable version and stays', async () => {
  // The canary soaks for a minute: the abort comes while it is in flight.
  await patchSpec({
    agentVersion: 'C',
    waves: [
      { name: 'canary', selector: { matchLabels: { ring: 'canary' } }, gate: { soakSeconds: 60 } },
      { name: 'rest' },
    ],
  });
  await waitFor('the canary on C', async () => (await versions()).a1 === 'C');
  await patchSpec({ abort: true });
  const r = await waitPhase('Aborted', 'C');
  assert.is(r.status?.stableRevision, 'B');
  assert.equal(await versions(), every('B'), 'every board back on B');
  const orders = (await c().list<Node>('nodes', undefined)).items.map(
    (n) => n.metadata.annotations?.[AGENT_VERSION_ANNOTATION],
  );
  assert.ok(
    orders.every((o) => o === 'B'),
    `every board ordered B: ${orders}`,
  );
});

test("clearing the abort rolls out the spec's version again", async () => {
  await patchSpec({
    abort: false,
    waves: [{ name: 'canary', selector: { matchLabels: { ring: 'canary' } } }, { name: 'rest' }],
  });
  const r = await waitPhase('Completed', 'C');
  assert.is(r.status?.stableRevision, 'C');
  assert.equal(await versions(), every('C'));
});

test.run();
