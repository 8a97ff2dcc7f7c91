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

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type BenchProc, type HubProc, startAgentProc, startHubProc } from '../../bench/lib/agent-procs.js';
import { hubApiClient } from '../../bench/lib/hub-client.js';
import type { UpdateState } from '../../agent/update/state.js';
import { AGENT_VERSION_ANNOTATION, type Rollout } from '../../shared/api/rollout.js';
import type { Node, Pod } from '../../shared/api/types.js';
import { DROVER_VERSION } from '../../shared/protocol/constants.js';
import { NO_CLUSTER_DNS } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { docker, IMAGE, removeContainersOf } from '../e2e/pods-harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
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

const stateOf = (board: string): UpdateState =>
  JSON.parse(readFileSync(join(dir, board, 'update', 'state.json'), 'utf8')) as UpdateState;
const versions = async () =>
  (await api().list<Node>('nodes', undefined)).items
    .filter((n) => BOARDS.includes(n.metadata.name ?? ''))
    .map((n) => [n.metadata.name, n.status?.nodeInfo?.kubeletVersion])
    .sort();
const ready = (n: Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const rollout = () => api().get<Rollout>('rollouts', 'default', 'agent');
const outputs = () => [...agents].map(([n, a]) => `--- ${n}\n${a.output()}`).join('\n');

async function waitPhase(phase: string, version: string, timeoutMs: number): Promise<Rollout> {
  return waitFor(
    async () => {
      const r = await rollout();
      return r.status?.phase === phase && r.spec.agentVersion === version ? r : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `rollout ${phase} at ${version}` },
  ).catch(async (e: Error) => {
    const nodes = (await api().list<Node>('nodes', undefined)).items.map((n) => ({
      name: n.metadata.name,
      annotations: n.metadata.annotations,
      version: n.status?.nodeInfo?.kubeletVersion,
      ready: n.status?.conditions?.find((c) => c.type === 'Ready'),
    }));
    throw new Error(
      `${e.message}\nrollout: ${JSON.stringify((await rollout()).status)}\nnodes: ${JSON.stringify(nodes)}\n${outputs()}`,
    );
  });
}

test.before(async () => {
  await removeContainersOf(...BOARDS); // a crashed run's pod
  const build = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/bundle-agent.mjs'), ...args], {
      encoding: 'utf8',
    });
    assert.is(r.status, 0, r.stderr);
  };
  build(['--outfile', shipped]);
  hub = await startHubProc(join(dir, 'hub'));
  const bundles = join(hub.dataDir, 'agent-bundles');
  mkdirSync(bundles, { recursive: true });
  copyFileSync(shipped, join(bundles, `${A}.mjs`));
  build(['--version', B, '--outfile', join(bundles, `${B}.mjs`)]);
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
  await waitFor(
    async () => {
      const nodes = (await api().list<Node>('nodes', undefined)).items;
      return BOARDS.every((b) => nodes.some((n) => n.metadata.name === b && ready(n)));
    },
    { timeoutMs: 60_000, intervalMs: 250, what: 'every board Ready' },
  );
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
  await api().create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'keep', namespace: 'default' },
    spec: {
      nodeName: BOARDS[0],
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] },
      ],
    },
  });
  const keep = () => api().get<Pod>('pods', 'default', 'keep');
  const before = await waitFor(
    async () => {
      const p = await keep();
      return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.containerID ? p : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: 'pod keep Running' },
  );
  const containerId = (before.status?.containerStatuses?.[0]?.containerID ?? '').replace(/^docker:\/\//, '');
  const startedAt = (await docker.getContainer(containerId).inspect()).State.StartedAt;
  assert.equal(
    await versions(),
    BOARDS.map((b) => [b, A]),
  );
  await api().create<Rollout>('rollouts', 'default', {
    apiVersion: 'drover.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      targetRef: { apiVersion: 'drover.io/v1alpha1', kind: 'Agent', name: 'drover-agent' },
      agentVersion: B,
      waves: [
        { name: 'canary', count: 1 },
        { name: 'rest', percent: 100 },
      ],
      gate: { soakSeconds: 2, boardTimeoutSeconds: 30 },
    },
  });
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
  const state = (await docker.getContainer(containerId).inspect()).State;
  assert.ok(state.Running, 'the pod container still runs');
  assert.is(state.StartedAt, startedAt, 'the pod container was not restarted');
  const after = await waitFor(
    async () => {
      const p = await keep();
      return p.status?.phase === 'Running' ? p : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250, what: 'pod keep Running under B' },
  );
  assert.is(after.status?.containerStatuses?.[0]?.restartCount ?? 0, 0, 'restartCount stays 0');
  assert.is(
    after.status?.containerStatuses?.[0]?.containerID,
    before.status?.containerStatuses?.[0]?.containerID,
  );
});

test('B -> bad: the canary goes back to B on its own, the rollout rolls back, the rest never got bad', async () => {
  await api().patch<Rollout>('rollouts', 'default', 'agent', { spec: { agentVersion: BAD } }, 'merge');
  const r = await waitPhase('RolledBack', BAD, 150_000);
  assert.is(r.status?.failedRevision, BAD);
  assert.is(r.status?.stableRevision, B, 'the spec still names bad; the fleet stays on B');
  assert.is(r.status?.waves?.[0]?.failed, 1, 'the canary board failed');
  assert.is(r.status?.waves?.[1]?.updated, 0, 'nothing past the canary');
  const canary = BOARDS.find((b) => stateOf(b).failed?.includes(BAD));
  assert.ok(canary, 'one board tried bad and gave up on it');
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
