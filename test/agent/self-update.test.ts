// Agent self-update through a Rollout (issue #10) on real processes: a real hub (`drover hub`)
// and three real agents, each under its launcher (agent/update/launcher.ts, what systemd runs).
// Version A is the shipped bundle; B is the bundle rebuilt with another version string
// (scripts/bundle-agent.mjs --version); "bad" is a bundle that exits at start. A -> B goes
// through both waves to Completed, each board fetching B over its MQTT connection, checking its
// SHA-256 and the hub's signature, swapping and restarting under the same launcher; a pod
// running on the canary before the update is the same container, never restarted, after it
// (adoption). B -> bad: the canary board's launcher gives up on bad after its starts and goes
// back to B on its own, the hub sees the canary not report bad in time and rolls the rollout
// back; the other boards never got bad.
// The Rollout's spec keeps naming bad (the user's), its status says bad failed and B is stable.

import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type BenchProc, type HubProc, startAgentProc, startHubProc } from '../../bench/lib/agent-procs.js';
import { hubApiClient } from '../../bench/lib/hub-client.js';
import { AGENT_VERSION_ANNOTATION, type Rollout } from '../../shared/api/rollout.js';
import type { Node } from '../../shared/api/types.js';
import { DROVER_VERSION } from '../../shared/protocol/constants.js';
import { NO_CLUSTER_DNS } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { removeContainersOf } from '../e2e/pods-harness.js';
import {
  agentVersions,
  assertPodKept,
  buildAgentBundle,
  createAgentRollout,
  startKeptPod,
  updateState,
  waitAgentRollout,
  waitBoardsReady,
} from './self-update-harness.js';

const LAUNCHER = fileURLToPath(new URL('../../agent/update/launcher-main.js', import.meta.url));
const A = DROVER_VERSION;
const B = 'v0.2.0-selfupdate';
const BAD = 'v0.3.0-bad';
const BOARDS = ['upd-1', 'upd-2', 'upd-3'];
const dir = tempDir('drover-self-update-');
const shipped = join(dir, 'shipped.mjs');
let hub: HubProc;
const agents = new Map<string, BenchProc>();
const api = () => hubApiClient(hub.dataDir);

const stateOf = (board: string) => updateState(join(dir, board));
const versions = () => agentVersions(api(), BOARDS);
const outputs = () => [...agents].map(([n, a]) => `--- ${n}\n${a.output()}`).join('\n');
const waitPhase = (phase: string, version: string, timeoutMs: number) =>
  waitAgentRollout(api(), 'agent', phase, version, timeoutMs, outputs);

test.before(async () => {
  await removeContainersOf(...BOARDS); // a crashed run's pod
  buildAgentBundle(shipped);
  hub = await startHubProc(join(dir, 'hub'));
  const bundles = join(hub.dataDir, 'agent-bundles');
  mkdirSync(bundles, { recursive: true });
  copyFileSync(shipped, join(bundles, `${A}.mjs`));
  buildAgentBundle(join(bundles, `${B}.mjs`), B);
  writeFileSync(
    join(bundles, `${BAD}.mjs`),
    "process.stderr.write('bad agent: exiting at start\\n');\nprocess.exit(3);\n",
  );
  for (const name of BOARDS)
    agents.set(
      name,
      startAgentProc({
        mqtt: hub.mqtt,
        token: hub.token,
        caHash: hub.caHash,
        name,
        dataDir: join(dir, name),
        entry: LAUNCHER,
        args: ['--shipped', shipped],
        env: NO_CLUSTER_DNS,
      }),
    );
  await waitBoardsReady(api(), BOARDS, outputs);
});

test.after(async () => {
  for (const a of agents.values()) await a.stop();
  await hub?.stop();
  await removeContainersOf(...BOARDS);
  cleanupTempDirs();
});

test('A -> B: each board fetches B, verifies and swaps it, and restarts under the same launcher', async () => {
  const pids = BOARDS.map((b) => agents.get(b)?.pid);
  // A pod on the canary board, running before the update: the agent's restart must not touch it.
  const keep = await startKeptPod(api(), 'keep', BOARDS[0]!);
  assert.equal(
    await versions(),
    BOARDS.map((b) => [b, A]),
  );
  await createAgentRollout(
    api(),
    'agent',
    B,
    [
      { name: 'canary', count: 1 },
      { name: 'rest', percent: 100 },
    ],
    { soakSeconds: 2, boardTimeoutSeconds: 30 },
  );
  const r = await waitPhase('Completed', B, 120_000);
  assert.equal(
    r.status?.waves?.map((w) => [w.name, w.boards, w.healthy]),
    [
      ['canary', 1, 1],
      ['rest', 2, 2],
    ],
  );
  assert.equal(
    await versions(),
    BOARDS.map((b) => [b, B]),
  );
  for (const b of BOARDS) {
    const s = stateOf(b);
    assert.is(s.current, B, `${b} runs B`);
    assert.is(s.trial, undefined, `${b} confirmed B`);
  }
  assert.equal(
    BOARDS.map((b) => agents.get(b)?.pid),
    pids,
    'the same launchers: the agents restarted under them',
  );
  assert.ok(BOARDS.every((b) => agents.get(b)?.running()));
  // Adoption: the pod's container is the same one, never restarted, and the new agent reports it.
  await assertPodKept(api(), keep);
});

test('B -> bad: the canary goes back to B on its own, the rollout rolls back, the rest never got bad', async () => {
  // The hub fails the canary when it has not reported bad within the board timeout: 6 s here
  // (A -> B's 30 s made this test wait 30 s, 10 s still most of it), past the launcher's own
  // fall-back to B (MAX_TRIAL_STARTS starts RESTART_DELAY_MS apart, ~4 s); were the launcher
  // slower, the rollout would still roll back and the wait for the board's give-up below holds.
  await api().patch<Rollout>(
    'rollouts',
    'default',
    'agent',
    { spec: { agentVersion: BAD, gate: { boardTimeoutSeconds: 6 } } },
    'merge',
  );
  const r = await waitPhase('RolledBack', BAD, 150_000);
  assert.is(r.status?.failedRevision, BAD);
  assert.is(r.status?.stableRevision, B, 'the spec still names bad; the fleet stays on B');
  assert.is(r.status?.waves?.[0]?.failed, 1, 'the canary board failed');
  assert.is(r.status?.waves?.[1]?.updated, 0, 'nothing past the canary');
  const canary = await waitFor(() => BOARDS.find((b) => stateOf(b).failed?.includes(BAD)), {
    timeoutMs: 30_000,
    what: 'one board tried bad and gave up on it',
  });
  for (const other of BOARDS.filter((b) => b !== canary)) {
    assert.is(stateOf(other).failed, undefined, `${other} never tried bad`);
    const node = await api().get<Node>('nodes', undefined, other);
    assert.is.not(node.metadata.annotations?.[AGENT_VERSION_ANNOTATION], BAD, `${other} never ordered bad`);
  }
  await waitFor(async () => JSON.stringify(await versions()) === JSON.stringify(BOARDS.map((b) => [b, B])), {
    timeoutMs: 30_000,
    intervalMs: 250,
    what: 'every board on B',
  });
  assert.is(stateOf(canary).current, B);
});

test.run();
