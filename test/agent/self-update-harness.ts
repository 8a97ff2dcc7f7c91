// What the agent self-update tests on real processes share (one hub: self-update.test.ts;
// several hubs on NATS: test/e2e/hubs-agent-update.test.ts): agent bundles built by the real
// bundler, the agent Rollout and its phase, each board's update state, and a pod that must keep
// running across the agent's restart (the same Docker container, never restarted).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import type { UpdateState } from '../../agent/update/state.js';
import type { ApiClient } from '../../hub/api/client.js';
import type { Rollout, RolloutGate, RolloutWave } from '../../shared/api/rollout.js';
import type { Node, Pod } from '../../shared/api/types.js';
import { waitFor } from '../helpers/wait.js';
import { docker, IMAGE } from '../e2e/pods-harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** scripts/bundle-agent.mjs --outfile F [--version V]: the shipped agent, or one reporting V. */
export function buildAgentBundle(outfile: string, version?: string): void {
  const args = ['--outfile', outfile, ...(version ? ['--version', version] : [])];
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/bundle-agent.mjs'), ...args], {
    encoding: 'utf8',
  });
  assert.is(r.status, 0, r.stderr);
}

/** The board's update/state.json (agent/update/state.ts) in its agent data directory. */
export const updateState = (agentDataDir: string): UpdateState =>
  JSON.parse(readFileSync(join(agentDataDir, 'update', 'state.json'), 'utf8')) as UpdateState;

/** [board, the version its agent reports], sorted by board. */
export async function agentVersions(
  api: ApiClient,
  boards: string[],
): Promise<[string, string | undefined][]> {
  return (await api.list<Node>('nodes', undefined)).items
    .filter((n) => boards.includes(n.metadata.name ?? ''))
    .map((n): [string, string | undefined] => [n.metadata.name ?? '', n.status?.nodeInfo?.kubeletVersion])
    .sort();
}

/** Waits until every board's Node is Ready; on timeout says what the processes printed. */
export async function waitBoardsReady(api: ApiClient, boards: string[], tails: () => string): Promise<void> {
  const ready = (n: Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  await waitFor(
    async () => {
      const nodes = (await api.list<Node>('nodes', undefined)).items;
      return boards.every((b) => nodes.some((n) => n.metadata.name === b && ready(n)));
    },
    { timeoutMs: 60_000, intervalMs: 250, what: 'every board Ready' },
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${tails()}`);
  });
}

/** A Rollout default/<name> of the agent to version. */
export function createAgentRollout(
  api: ApiClient,
  name: string,
  version: string,
  waves: RolloutWave[],
  gate: RolloutGate,
): Promise<Rollout> {
  return api.create<Rollout>('rollouts', 'default', {
    apiVersion: 'drover.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace: 'default' },
    spec: {
      targetRef: { apiVersion: 'drover.io/v1alpha1', kind: 'Agent', name: 'drover-agent' },
      agentVersion: version,
      waves,
      gate,
    },
  });
}

/** Waits until Rollout default/<name> names version and is in phase; on timeout says where it stood. */
export async function waitAgentRollout(
  api: ApiClient,
  name: string,
  phase: string,
  version: string,
  timeoutMs: number,
  tails: () => string,
): Promise<Rollout> {
  const get = () => api.get<Rollout>('rollouts', 'default', name);
  return waitFor(
    async () => {
      const r = await get();
      // The status must be of this spec: right after a patch it still shows the last rollout's
      // phase (Completed at the previous version) until the controller has seen the change.
      return r.status?.phase === phase &&
        r.spec.agentVersion === version &&
        r.status.observedGeneration === r.metadata.generation
        ? r
        : undefined;
    },
    { timeoutMs, intervalMs: 250, what: `rollout ${name} ${phase} at ${version}` },
  ).catch(async (e: Error) => {
    const nodes = (await api.list<Node>('nodes', undefined)).items.map((n) => ({
      name: n.metadata.name,
      annotations: n.metadata.annotations,
      version: n.status?.nodeInfo?.kubeletVersion,
      ready: n.status?.conditions?.find((c) => c.type === 'Ready'),
    }));
    throw new Error(
      `${e.message}\nrollout: ${JSON.stringify((await get()).status)}\nnodes: ${JSON.stringify(nodes)}\n${tails()}`,
    );
  });
}

/** A running pod whose container must outlive the agent's restart. */
export interface KeptPod {
  name: string;
  /** containerStatuses[0].containerID as the hub reported it. */
  containerID: string;
  /** The Docker container's start time. */
  startedAt: string;
}

/** Creates pod default/<name> (sleep) on board and waits until it runs. */
export async function startKeptPod(api: ApiClient, name: string, board: string): Promise<KeptPod> {
  await api.create<Pod>('pods', 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: board,
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] },
      ],
    },
  });
  const p = await waitFor(
    async () => {
      const p = await api.get<Pod>('pods', 'default', name);
      return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.containerID ? p : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250, what: `pod ${name} Running on ${board}` },
  );
  const containerID = p.status?.containerStatuses?.[0]?.containerID ?? '';
  const id = containerID.replace(/^docker:\/\//, '');
  return { name, containerID, startedAt: (await docker.getContainer(id).inspect()).State.StartedAt };
}

/** The pod's container is the same one, never restarted, and the new agent reports it Running. */
export async function assertPodKept(api: ApiClient, kept: KeptPod): Promise<void> {
  const state = (await docker.getContainer(kept.containerID.replace(/^docker:\/\//, '')).inspect()).State;
  assert.ok(state.Running, `${kept.name}: the pod container still runs`);
  assert.is(state.StartedAt, kept.startedAt, `${kept.name}: the pod container was not restarted`);
  const after = await waitFor(
    async () => {
      const p = await api.get<Pod>('pods', 'default', kept.name);
      return p.status?.phase === 'Running' ? p : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250, what: `pod ${kept.name} Running under the new agent` },
  );
  assert.is(after.status?.containerStatuses?.[0]?.restartCount ?? 0, 0, `${kept.name}: restartCount stays 0`);
  assert.is(
    after.status?.containerStatuses?.[0]?.containerID,
    kept.containerID,
    `${kept.name}: same container`,
  );
}
