// How often the Rollout controller reconciles (issue #10, hub CPU): each reconcile walks the
// whole fleet, so one that brings nothing new is a fleet's worth of work for nothing. Its own
// status write coming back through the informer is such a one, and so is a DaemonSet status of
// which it reads nothing; a change of a board's labels is not (the waves are planned again).
// Against the real API with the DaemonSet controller; the test reports each daemon pod Running
// and Ready.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiWatch } from '../../../hub/api/client.js';
import { DaemonSetController } from '../../../hub/controllers/daemonset.js';
import { RolloutController } from '../../../hub/controllers/rollout/controller.js';
import { InformerFactory } from '../../../hub/informers/factory.js';
import type { DaemonSet } from '../../../shared/api/apps.js';
import type { Rollout } from '../../../shared/api/rollout.js';
import type { Node, Pod } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { daemonSetOf } from '../../helpers/workloads.js';
import { startApi, type TestApi } from '../api/helpers.js';
import { createRingNodes, markPodReady } from './fixtures.js';
import { waitFor } from './wait.js';

const NODES = ['n1', 'n2', 'n3'];
let t: TestApi;
let ds: DaemonSetController;
let ro: RolloutController;
let informers: InformerFactory;
let kubelet: ApiWatch;
/** Reconciles of the rollout so far. */
let reconciles = 0;
const c = () => t.api.client;
const get = () => c().get<Rollout>('rollouts', 'default', 'agentd');

test.before(async () => {
  t = await startApi();
  await createRingNodes(t, NODES);
  kubelet = await c().watch<Pod>('pods', 'default', {}, (ev) => {
    const p = ev.object as Pod;
    if (ev.type === 'DELETED' || p.metadata.deletionTimestamp || p.status?.phase === 'Running') return;
    void markPodReady(t, p).catch(() => {});
  });
  ds = new DaemonSetController({ client: c(), log: createLogger('ds', 40) });
  await ds.start();
  const log = createLogger('rollout', 40);
  informers = new InformerFactory(c(), log);
  ro = new RolloutController({ client: c(), log, informers });
  const reconcile = ro.reconcile.bind(ro);
  ro.reconcile = (key) => {
    reconciles++;
    return reconcile(key);
  };
  await ro.start();
});

test.after(async () => {
  kubelet?.close();
  await ro?.stop();
  informers?.stop();
  await ds?.stop();
  await t.stop();
});

/** The controller is done with everything so far: its informer holds the stored Rollout and nothing is queued or running. */
async function settled(what: string, cond: (r: Rollout) => boolean): Promise<Rollout> {
  return waitFor(what, async () => {
    const r = await get();
    const held = informers.informer<Rollout>('rollouts').get('default/agentd');
    return cond(r) && held?.metadata.resourceVersion === r.metadata.resourceVersion && ro.idle()
      ? r
      : undefined;
  });
}

test('a Healthy rollout; a board labelled into the canary ring: one reconcile, not one more for its status write', async () => {
  await c().create('daemonsets', 'default', daemonSetOf('agentd', 'v1'));
  await c().create<Rollout>('rollouts', 'default', {
    apiVersion: 'drover.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'agentd', namespace: 'default' },
    spec: {
      targetRef: { kind: 'DaemonSet', name: 'agentd' },
      waves: [{ name: 'canary', selector: { matchLabels: { ring: 'canary' } } }, { name: 'rest' }],
      gate: { soakSeconds: 0 },
    },
  });
  await settled(
    'rollout Healthy over 3 boards',
    (r) => r.status?.phase === 'Healthy' && r.status.boards === 3,
  );
  const before = reconciles;
  const written = (await get()).metadata.resourceVersion;
  await c().patch<Node>('nodes', undefined, 'n2', { metadata: { labels: { ring: 'canary' } } }, 'merge');
  // The waves are planned again (the kept plan is not reused for other labels) and written.
  const r = await settled(
    'the canary wave of 2 boards in the status',
    (x) => x.status?.waves?.[0]?.boards === 2 && x.metadata.resourceVersion !== written,
  );
  assert.equal(
    r.status?.waves?.map((w) => [w.name, w.boards]),
    [
      ['canary', 2],
      ['rest', 1],
    ],
  );
  assert.is(reconciles - before, 1, 'reconciles after the label change');
});

test('the DaemonSet controller writing its status (nothing a rollout reads): no reconcile', async () => {
  const before = reconciles;
  const d = await c().get<DaemonSet>('daemonsets', 'default', 'agentd');
  await c().update<DaemonSet>(
    'daemonsets',
    'default',
    { ...d, status: { ...(d.status ?? {}), numberMisscheduled: 5 } } as DaemonSet,
    'status',
  );
  // Two status-only changes: this one and the DaemonSet controller's putting it back.
  await waitFor('the DaemonSet controller wrote its status back, both controllers idle', async () => {
    const now = await c().get<DaemonSet>('daemonsets', 'default', 'agentd');
    const held = informers.informer<DaemonSet>('daemonsets').get('default/agentd');
    return (
      now.status?.numberMisscheduled === 0 &&
      now.metadata.resourceVersion !== d.metadata.resourceVersion &&
      held?.metadata.resourceVersion === now.metadata.resourceVersion &&
      ro.idle() &&
      ds.idle()
    );
  });
  assert.is(reconciles - before, 0, 'reconciles after the status writes');
});

test.run();
