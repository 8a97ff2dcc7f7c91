// Chaos (#8): kill -9 of the LEADER hub in the middle of a rolling update of 100 pods, with three
// hubs on a 3-node nats-server cluster (JetStream KV store, 3 replicas) and hollow boards spread
// over them. Nothing is restarted: a standby takes the leader lock (the time from the kill is
// recorded; the issue's bound is 5 s, test/hub/leader/failover.test.ts asserts it) and resumes
// the scheduler and the controllers from the store, while the dead hub's boards move to the
// survivors. Checked: the rollout the dead leader acknowledged completes; nothing lost and
// nothing done twice (rolling-deployment.ts: two ReplicaSets, every pod created once, bound to
// one node); no board leaves Ready. The API is followed through a failover front (an L4 balancer
// over the three hubs), so the watches move to a live hub as a client's would. The full form
// kills the next leader too: the last hub alone finishes the rollout.

import { connect, type NatsConnection } from 'nats';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readKubeconfig } from '../../cli/api.js';
import { HttpApiClient } from '../../hub/api/http-client.js';
import { KvLeaderLock } from '../../hub/leader/kv-lock.js';
import { FailoverLink } from '../helpers/failover-link.js';
import { type HubCluster, LEADS, startHubCluster } from '../helpers/hub-cluster.js';
import { killAll, kubectl } from '../helpers/procs.js';
import { cleanupTempDirs } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { ChaosCase, FULL } from './chaos-case.js';
import { type FollowedFleet, startFollowedFleet } from './hub-fixtures.js';
import { NEW_IMAGE, OLD_IMAGE, RollingDeployment } from './rolling-deployment.js';

const HUBS = 3;
const BOARDS = 30;
const PODS = 100;
const APP = 'roll-hubs';
/** The rollout's progress (pods of the new template) at which the leader is killed, each time. */
const KILL_AT = FULL ? [30, 70] : [40];
let cluster: HubCluster | undefined;
let nc: NatsConnection | undefined;
let link: FailoverLink | undefined;
let env: FollowedFleet | undefined;

test.after(async () => {
  await env?.stop();
  await link?.close();
  await nc?.close();
  await killAll();
  await cluster?.nats.stop();
  cleanupTempDirs();
});

test(`kill -9 of the leader hub of ${HUBS} on NATS during a ${PODS}-pod rollout: a standby leads, it completes, nothing done twice`, async () => {
  const cc = new ChaosCase(
    'hubs-kill9-rollout',
    `kill -9 of the leader hub (of ${HUBS} on NATS) during a rolling update of ${PODS} pods`,
  );
  cluster = await startHubCluster({ hubs: HUBS, natsNodes: 3, args: ['--heartbeat-interval', '1s'] });
  const { hubs, nats } = cluster;
  const first = hubs[0]!;
  const tails = () => cluster?.tails(2000) ?? '';

  nc = await connect({ servers: nats.urls });
  const lock = await KvLeaderLock.open(nc, 3);
  // The identity is <host>-<pid>-<random> (hub/hub.ts).
  const leaderPid = async () => Number((await lock.read())?.record.holderIdentity.split('-').at(-2));
  const leader = async () => {
    const pid = await leaderPid();
    return hubs.find((h) => h.pid === pid && h.proc.exitCode === null && h.proc.signalCode === null);
  };

  link = await FailoverLink.open(hubs.map((h) => h.apiPort));
  const kc = readKubeconfig(join(first.dataDir, 'kubeconfig'));
  env = await startFollowedFleet({
    hubUrl: hubs.map((h) => h.mqttUrl).join(','),
    caPem: first.caPem,
    token: first.token,
    client: new HttpApiClient(`https://127.0.0.1:${link.port}`, {}, kc.tls),
    boards: BOARDS,
    perProcess: BOARDS,
    // Slow enough starts that each rollout wave takes a while: the kill lands mid-rollout.
    podStartDelayMs: 1500,
  });
  const { client, tracker: t, pods: informer } = env;
  const roll = new RollingDeployment(client, informer, APP, PODS);
  await roll.create();
  cc.did(
    `${HUBS} hubs on a 3-node nats-server cluster (store replicas 3), ${BOARDS} hollow boards spread over them; a Deployment of ${PODS} pods of ${OLD_IMAGE} available`,
  );

  const l0 = await waitFor(leader, { what: 'a leader among the hubs' });
  const set = await kubectl(['set', 'image', `deployment/${APP}`, `c=${NEW_IMAGE}`], {
    kubeconfig: l0.kubeconfig,
  });
  assert.is(set.code, 0, set.stderr);
  cc.did(`kubectl set image deployment/${APP} c=${NEW_IMAGE} through the leader (acknowledged)`);

  const took: number[] = [];
  for (const at of KILL_AT) {
    const n = await roll.waitProgress(at);
    const victim = await waitFor(leader, { what: 'the current leader' });
    await victim.kill9();
    const killedAt = Date.now();
    const next = await waitFor(
      async () => {
        const h = await leader();
        return h && h !== victim ? h : undefined;
      },
      { what: 'a standby holds the leader lock', timeoutMs: 30_000, intervalMs: 50 },
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${tails()}`);
    });
    took.push(Date.now() - killedAt);
    await waitFor(() => next.output().includes(LEADS), { what: 'the new leader starts controllers' });
    cc.did(
      `kill -9 of the leader (hub ${hubs.indexOf(victim) + 1}) with ${n} of ${PODS} pods on the new template; hub ${hubs.indexOf(next) + 1} held the lock ${took.at(-1)} ms after the kill`,
    );
  }
  await roll.waitComplete(NEW_IMAGE, 180_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${tails()}`);
  });
  cc.checked(
    `a standby took the leader lock ${took.map((ms) => `${ms} ms`).join(', ')} after each kill (the issue's bound: 5 s); the rollout completed with ${HUBS - KILL_AT.length} hub(s) left: Deployment updated=available=replicas=${PODS} at the latest generation, ${PODS} pods of ${NEW_IMAGE} Running, none of ${OLD_IMAGE} left`,
  );

  const nothingTwice = await roll.assertNothingDuplicated();
  assert.is(t.notReadyTransitions.length, 0, 'no board left Ready');
  const fleet = env.fleet;
  const c = await fleet.waitFor((x) => x.connected === BOARDS, 60_000, 'every board connected to a live hub');
  cc.checked(
    `nothing done twice: ${nothingTwice}; every board on a surviving hub, no board ever left Ready (${c.disconnects} disconnects seen by the boards)`,
  );
  cc.pass();
});

test.run();
