// Agent self-update through a Rollout with several hubs (issue #10 item 3 over #8's hubs), all
// real processes: two `drover hub --store nats://...` sharing the cluster's CA, one nats-server,
// two real agents over MQTTS on the Docker engine, each under its launcher (`drover agent
// --supervise`, what systemd runs) and connected to a different hub. The new version's bundle is
// put in the standby hub's data directory only: the leader's controller orders both boards
// (Node annotations in the shared store), each hub publishes the signed order to the board it
// holds, and the board on the leader's broker gets the bytes the standby put in the cluster's
// bucket (hub/gateway/cluster-agent-bundles.ts). Checked: the Rollout completes, both boards
// run B under the same launchers and stay on their hubs, each was sent B by its own hub, and a
// pod running on each board before the update is the same container, never restarted, after it.
// Then kill -9 of the standby, the only hub that ever had the old version's bundle: its board
// fails over to the leader, and the rollout back to A completes from the bucket alone.

import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hubApiClient } from '../../bench/lib/hub-client.js';
import type { Rollout } from '../../shared/api/rollout.js';
import { DROVER_VERSION } from '../../shared/protocol/constants.js';
import {
  agentVersions,
  assertPodKept,
  buildAgentBundle,
  createAgentRollout,
  type KeptPod,
  startKeptPod,
  updateState,
  waitAgentRollout,
  waitBoardsReady,
} from '../agent/self-update-harness.js';
import { type HubCluster, LEADS, startHubCluster } from '../helpers/hub-cluster.js';
import {
  type AgentProcess,
  connectedHub,
  type HubProcess,
  killAll,
  startAgentProcess,
} from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { removeContainersOf } from './pods-harness.js';

const A = DROVER_VERSION;
const B = 'v0.2.0-hubs';
const BOARDS = ['hu-1', 'hu-2'];
const dir = tempDir('drover-hubs-update-');
const shipped = join(dir, 'shipped.mjs');
let cluster: HubCluster | undefined;
const agents = new Map<string, AgentProcess>();
/** The launcher the test started for board b has not exited (its pid alone cannot tell). */
const launcherAlive = (b: string) => {
  const p = agents.get(b)?.proc;
  return p !== undefined && p.exitCode === null && p.signalCode === null;
};
/** What the first test leaves for the second. */
let after: { leader: HubProcess; standby: HubProcess; kept: KeptPod[]; launchers: (number | undefined)[] };

const tails = () =>
  [
    cluster?.tails() ?? '',
    ...[...agents].map(([n, a]) => `--- agent ${n} ---\n${a.output().slice(-2500)}`),
  ].join('\n');

test.after(async () => {
  // SIGTERM first: a launcher stops its agent with it (a SIGKILL would leave the agent running).
  for (const a of agents.values()) await a.stop();
  await killAll();
  await cluster?.nats.stop();
  await removeContainersOf(...BOARDS);
  cleanupTempDirs();
});

test('two hubs on NATS: the leader orders, each board fetches B from the hub it is connected to, pods keep running', async () => {
  await removeContainersOf(...BOARDS); // a crashed run's pods
  buildAgentBundle(shipped);
  cluster = await startHubCluster({ hubs: 2, natsNodes: 1, args: ['--heartbeat-interval', '1s'] });
  const [leader, standby] = cluster.hubs as [HubProcess, HubProcess];
  assert.is(leader.caHash, standby.caHash, 'one CA: one pin on the boards, one order signer');
  const bundles = join(standby.dataDir, 'agent-bundles');
  mkdirSync(bundles, { recursive: true });
  buildAgentBundle(join(bundles, `${B}.mjs`), B);
  copyFileSync(shipped, join(bundles, `${A}.mjs`)); // for the second test
  assert.not.ok(existsSync(join(leader.dataDir, 'agent-bundles', `${B}.mjs`)), 'the leader has no copy of B');

  // Board i prefers hub i and lists the other after it.
  const order = [
    [leader, standby],
    [standby, leader],
  ];
  BOARDS.forEach((name, i) => {
    agents.set(
      name,
      startAgentProcess({
        hub: {
          mqttUrl: order[i]!.map((h) => h.mqttUrl).join(','),
          token: leader.token,
          caHash: leader.caHash,
        },
        name,
        dataDir: join(dir, name),
        args: ['--supervise', '--shipped', shipped, '--heartbeat-interval', '1s'],
      }),
    );
  });
  const api = hubApiClient(leader.dataDir);
  await waitBoardsReady(api, BOARDS, tails);
  BOARDS.forEach((b, i) => {
    assert.is(connectedHub(agents.get(b)!), order[i]![0]!.mqttUrl, `${b} on its first hub`);
  });
  assert.equal(
    await agentVersions(api, BOARDS),
    BOARDS.map((b) => [b, A]),
  );
  const kept = [await startKeptPod(api, 'keep-1', BOARDS[0]!), await startKeptPod(api, 'keep-2', BOARDS[1]!)];
  const launchers = BOARDS.map((b) => agents.get(b)?.pid);

  // Through the leader's API; its controllers run the rollout.
  await createAgentRollout(api, 'agent', B, [{ name: 'all', percent: 100 }], {
    soakSeconds: 2,
    boardTimeoutSeconds: 60,
  });
  const r = await waitAgentRollout(api, 'agent', 'Completed', B, 120_000, tails);
  assert.equal(
    r.status?.waves?.map((w) => [w.name, w.boards, w.healthy]),
    [['all', 2, 2]],
  );
  assert.equal(
    await agentVersions(api, BOARDS),
    BOARDS.map((b) => [b, B]),
  );
  for (const b of BOARDS) {
    const s = updateState(join(dir, b));
    assert.is(s.current, B, `${b} runs B`);
    assert.is(s.trial, undefined, `${b} confirmed B`);
  }
  assert.equal(
    BOARDS.map((b) => agents.get(b)?.pid),
    launchers,
    'the same launchers: the agents restarted under them',
  );
  assert.ok(BOARDS.every(launcherAlive), 'the launchers are still alive');
  assert.ok(
    leader.output().includes(LEADS) && !standby.output().includes(LEADS),
    'the first hub led throughout',
  );
  // Each board was served by the hub it is connected to; the leader's bytes came from the bucket.
  BOARDS.forEach((b, i) => {
    const hub = order[i]![0]!;
    const other = order[i]![1]!;
    assert.is(connectedHub(agents.get(b)!), hub.mqttUrl, `${b} back on its first hub after the restart`);
    assert.match(
      hub.output(),
      new RegExp(`agent bundle sent node=${b} version=${B}`),
      `${b} served by its hub`,
    );
    assert.not.match(
      other.output(),
      new RegExp(`agent bundle sent node=${b} `),
      `${b} not served by the other hub`,
    );
  });
  assert.match(standby.output(), new RegExp(`agent bundle put in the cluster bucket version=${B}`));
  for (const k of kept) await assertPodKept(api, k);
  after = { leader, standby, kept, launchers };
});

test('kill -9 of the standby: its board fails over to the leader, which rolls both back to A from the bucket', async () => {
  const { leader, standby, kept, launchers } = after;
  const api = hubApiClient(leader.dataDir);
  // The standby put A (copied in after its start) in the bucket without any order: its scan.
  await waitFor(() => standby.output().includes(`agent bundle put in the cluster bucket version=${A}`), {
    what: "the standby's A in the bucket",
    timeoutMs: 30_000,
  });
  assert.not.ok(existsSync(join(leader.dataDir, 'agent-bundles', `${A}.mjs`)), 'the leader has no copy of A');
  await standby.kill9();
  await waitFor(() => connectedHub(agents.get(BOARDS[1]!)!) === leader.mqttUrl, {
    what: `${BOARDS[1]} connected to the leader`,
    timeoutMs: 30_000,
  }).catch((e: Error) => {
    throw new Error(`${e.message}\n${tails()}`);
  });
  await api.patch<Rollout>('rollouts', 'default', 'agent', { spec: { agentVersion: A } }, 'merge');
  const r = await waitAgentRollout(api, 'agent', 'Completed', A, 120_000, tails);
  assert.equal(
    r.status?.waves?.map((w) => [w.name, w.boards, w.healthy]),
    [['all', 2, 2]],
  );
  assert.equal(
    await agentVersions(api, BOARDS),
    BOARDS.map((b) => [b, A]),
  );
  for (const b of BOARDS) {
    const s = updateState(join(dir, b));
    assert.is(s.current, A, `${b} runs A`);
    assert.is(s.trial, undefined, `${b} confirmed A`);
    assert.is(connectedHub(agents.get(b)!), leader.mqttUrl, `${b} on the leader`);
    assert.match(
      leader.output(),
      new RegExp(`agent bundle sent node=${b} version=${A}`),
      `${b} sent A by the leader`,
    );
  }
  assert.equal(
    BOARDS.map((b) => agents.get(b)?.pid),
    launchers,
    'the same launchers',
  );
  assert.ok(BOARDS.every(launcherAlive), 'the launchers are still alive');
  for (const k of kept) await assertPodKept(api, k);
});

test.run();
