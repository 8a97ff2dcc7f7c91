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
import { killAll, kubectl } from '../helpers/procs.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { ChaosCase, FULL } from './chaos-case.js';
import { type HubWithFleet, restartHub, startHubWithFleet } from './hub-fixtures.js';
import { NEW_IMAGE, OLD_IMAGE, RollingDeployment } from './rolling-deployment.js';

const BOARDS = 50;
const PODS = 100;
const APP = 'roll';
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
  const roll = new RollingDeployment(client, informer, APP, PODS);
  await roll.create();
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
    const n = await roll.waitProgress(at);
    progress.push(n);
    hub = await restartHub(hub, HUB_ARGS, 'SIGKILL');
    cc.did(`kill -9 of the hub with ${n} of ${PODS} pods on the new template, restart on the same data dir`);
  }
  await roll.waitComplete(NEW_IMAGE, 180_000);
  cc.checked(
    `the rollout completed after ${KILL_AT.length} kill(s) at ${progress.join(', ')} new pods: Deployment updated=available=replicas=${PODS} at the latest generation, ${PODS} pods of ${NEW_IMAGE} Running, none of ${OLD_IMAGE} left`,
  );

  const nothingTwice = await roll.assertNothingDuplicated();
  assert.is(t.notReadyTransitions.length, 0, 'no board left Ready');
  cc.checked(`nothing duplicated: ${nothingTwice}; no board left Ready`);
  cc.pass();
});

test.run();
