// Chaos: kill -9 of the hub in the middle of a rolling update of 100 pods (`kubectl set image`),
// on hollow boards (bench/sim: the real Agent with simulated pods, so only the hub is under
// test), then a restart on the same data dir. Checked: the rollout completes after the
// restart; nothing lost (the acknowledged image change is there, 100 pods of the new template
// Running, the old ReplicaSet at 0 with no pod left) and nothing duplicated (exactly two
// ReplicaSets; every pod of the new template was created once: 100 distinct uids ever seen,
// and none of the old template was created again). The full form kills the hub three times
// during one rollout.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Deployment, ReplicaSet } from '../../shared/api/apps.js';
import type { Pod } from '../../shared/api/types.js';
import { killAll, kubectl } from '../helpers/procs.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { ChaosCase, FULL } from './chaos-case.js';
import { type HubWithFleet, restartHub, startHubWithFleet } from './hub-fixtures.js';

const BOARDS = 50;
const PODS = 100;
const APP = 'roll';
const OLD_IMAGE = 'busybox:1';
const NEW_IMAGE = 'busybox:2';
/** The rollout's progress (pods of the new template) at which the hub is killed, each time. */
const KILL_AT = FULL ? [20, 50, 80] : [40];
// A long node grace: boards back after each restart within it even on a saturated machine
// (see hub-restart-fleet.test.ts); this case is about the rollout's objects.
const HUB_ARGS = ['--heartbeat-interval', '1s', '--node-grace', '120s'];

let env: HubWithFleet | undefined;

test.after(async () => {
  await env?.stop();
  await killAll();
  cleanupTempDirs();
});

const imageOf = (p: Pod) => p.spec.containers[0]?.image;

test(`hub kill -9 during a ${PODS}-pod rollout: it completes after the restart, nothing lost or duplicated`, async () => {
  const cc = new ChaosCase('hub-kill9-rollout', `kill -9 of the hub during a rolling update of ${PODS} pods`);
  env = await startHubWithFleet({
    hubArgs: HUB_ARGS,
    boards: BOARDS,
    perProcess: BOARDS,
    // Slow enough starts that each rollout wave takes a while: the kill lands mid-rollout.
    podStartDelayMs: 1500,
  });
  const { client, tracker: t, pods: informer } = env;
  let hub = env.hub;
  const h0 = hub;
  // Every pod uid ever seen, by template image.
  const seen = new Map<string, Set<string>>([
    [OLD_IMAGE, new Set()],
    [NEW_IMAGE, new Set()],
  ]);
  informer.addHandler({
    onChange: (_type, p) => {
      if (p.metadata.labels?.app === APP) seen.get(imageOf(p) ?? '')?.add(p.metadata.uid ?? '');
    },
  });
  const live = (image: string) =>
    informer
      .list()
      .filter((p) => p.metadata.labels?.app === APP && imageOf(p) === image && !p.metadata.deletionTimestamp);
  await client.create<Deployment>('deployments', 'default', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: APP, namespace: 'default' },
    spec: {
      replicas: PODS,
      selector: { matchLabels: { app: APP } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: APP } },
        spec: { containers: [{ name: 'c', image: OLD_IMAGE }] },
      },
    },
  });
  const complete = async (image: string) => {
    const d = await client.get<Deployment>('deployments', 'default', APP);
    const s = d.status;
    return (
      d.spec.template.spec.containers[0]?.image === image &&
      s?.observedGeneration === d.metadata.generation &&
      s?.updatedReplicas === PODS &&
      s?.replicas === PODS &&
      s?.availableReplicas === PODS &&
      live(image).filter((p) => p.status?.phase === 'Running').length === PODS &&
      informer.list().filter((p) => p.metadata.labels?.app === APP).length === PODS
    );
  };
  await waitFor(() => complete(OLD_IMAGE), {
    timeoutMs: 120_000,
    intervalMs: 250,
    what: `${PODS} pods of ${OLD_IMAGE} available`,
  });
  cc.did(
    `${BOARDS} hollow boards on a real hub process; a Deployment of ${PODS} pods of ${OLD_IMAGE} available`,
  );

  const set = await kubectl(['set', 'image', `deployment/${APP}`, `c=${NEW_IMAGE}`], {
    kubeconfig: h0.kubeconfig,
  });
  assert.is(set.code, 0, set.stderr);
  cc.did(`kubectl set image deployment/${APP} c=${NEW_IMAGE} (acknowledged)`);
  const progress: number[] = [];
  for (const at of KILL_AT) {
    const n = await waitFor(
      () => {
        const k = live(NEW_IMAGE).length;
        return k >= at ? k : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 20, what: `${at} pods of the new template` },
    );
    assert.ok(n < PODS, `the rollout is still going at the kill (${n} new pods)`);
    progress.push(n);
    hub = await restartHub(hub, HUB_ARGS, 'SIGKILL');
    cc.did(`kill -9 of the hub with ${n} of ${PODS} pods on the new template, restart on the same data dir`);
  }
  await waitFor(() => complete(NEW_IMAGE), {
    timeoutMs: 180_000,
    intervalMs: 250,
    what: `the rollout to ${NEW_IMAGE} complete`,
  });
  cc.checked(
    `the rollout completed after ${KILL_AT.length} kill(s) at ${progress.join(', ')} new pods: Deployment updated=available=replicas=${PODS} at the latest generation, ${PODS} pods of ${NEW_IMAGE} Running, none of ${OLD_IMAGE} left`,
  );

  const rs = (await client.list<ReplicaSet>('replicasets', 'default')).items.filter(
    (r) => r.metadata.labels?.app === APP,
  );
  assert.equal(
    rs.map((r) => [r.spec.template.spec.containers[0]?.image, r.spec.replicas]).sort(),
    [
      [OLD_IMAGE, 0],
      [NEW_IMAGE, PODS],
    ],
    'two ReplicaSets: the old one at 0, the new one at full size',
  );
  assert.is(
    seen.get(NEW_IMAGE)?.size,
    PODS,
    `every pod of ${NEW_IMAGE} created once (distinct uids ever seen)`,
  );
  assert.is(seen.get(OLD_IMAGE)?.size, PODS, `no pod of ${OLD_IMAGE} created again`);
  assert.is(t.notReadyTransitions.length, 0, 'no board left Ready');
  cc.checked(
    `nothing duplicated: exactly 2 ReplicaSets (old at 0, new at ${PODS}); ${seen.get(NEW_IMAGE)?.size} distinct new-template pod uids ever seen for ${PODS} replicas, ${seen.get(OLD_IMAGE)?.size} old ones (none recreated); no board left Ready`,
  );
  cc.pass();
});

test.run();
