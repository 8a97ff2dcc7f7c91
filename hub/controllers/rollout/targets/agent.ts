// The agent itself as a rollout target (issue #10, "the agent updates itself the same way"):
// units are the boards (every Node), the revision a board runs is the version its agent
// reports (nodeInfo.kubeletVersion), and the "template" is the Rollout's spec.agentVersion.
// A board is moved by setting its Node's drover.io/agent-version annotation (and when), which
// the gateway orders the board to run (hub/gateway/agent-update.ts); the board swaps bundles
// and restarts (agent/update/). Each board is seen as the pod of its agent, so the same
// health rules apply: ordered but not yet reporting the version is a new pod not yet Ready
// (failed after the board timeout, pending while the board is offline); reporting it on a
// Ready node is Ready since the order or the node's last Ready transition, whichever is later.

import {
  AGENT_VERSION_ANNOTATION,
  AGENT_VERSION_SINCE_ANNOTATION,
  type Rollout,
} from '../../../../shared/api/rollout.js';
import type { Node, Pod } from '../../../../shared/api/types.js';
import { POD_TEMPLATE_HASH_LABEL } from '../../../../shared/api/apps.js';
import type { BoardView } from '../health.js';
import type { RolloutTarget } from '../target.js';
import { nodeReady, type TargetDeps } from './deps.js';

export const reportedVersion = (n: Node) => n.status?.nodeInfo?.kubeletVersion || undefined;

/** The board's agent as a pod: its revision, readiness and age (see the file comment). */
export function agentPod(n: Node, version: string): Pod | undefined {
  const reported = reportedVersion(n);
  if (!reported) return undefined;
  const a = n.metadata.annotations ?? {};
  const ordered = a[AGENT_VERSION_ANNOTATION];
  const since = a[AGENT_VERSION_SINCE_ANNOTATION] ?? n.metadata.creationTimestamp;
  const moving = ordered === version && reported !== version;
  const readyCond = n.status?.conditions?.find((c) => c.type === 'Ready');
  const readyAt = [readyCond?.lastTransitionTime, ordered === reported ? since : undefined]
    .map((t) => Date.parse(t ?? ''))
    .filter((t) => Number.isFinite(t));
  const ready = !moving && readyCond?.status === 'True';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `agent-${n.metadata.name}`,
      creationTimestamp: since,
      labels: { [POD_TEMPLATE_HASH_LABEL]: moving ? version : reported },
    },
    spec: { containers: [] },
    status: {
      phase: 'Running',
      conditions: ready
        ? [
            {
              type: 'Ready',
              status: 'True',
              lastTransitionTime: new Date(readyAt.length ? Math.max(...readyAt) : 0).toISOString(),
            },
          ]
        : [],
    },
  };
}

/**
 * The version the fleet is to run: spec.agentVersion, except one whose gate failed, which
 * stays rolled back (to the stable version) until the spec names another, and any while the
 * rollout is aborted (until spec.abort is cleared). The spec is the user's and is not rewritten
 * (as Argo Rollouts leaves an aborted spec): a DaemonSet's template is reverted on its own
 * object, but rewriting the Rollout would race its own status write.
 */
export function agentVersionOf(ro: Rollout): string {
  const v = ro.spec.agentVersion ?? '';
  const st = ro.status;
  if (!st?.stableRevision) return v;
  return v === st.failedRevision || ro.spec.abort ? st.stableRevision : v;
}

export function agentTarget(deps: TargetDeps, ro: Rollout): RolloutTarget {
  const version = agentVersionOf(ro);
  const boards = new Map<string, BoardView>();
  for (const n of deps.nodes.list()) {
    const name = n.metadata.name ?? '';
    boards.set(name, { node: name, nodeReady: nodeReady(n), pod: agentPod(n, version), terminating: false });
  }
  const order = async (nodes: string[], v: string) => {
    const since = new Date().toISOString();
    await Promise.all(
      nodes.map((node) =>
        deps.client.patch(
          'nodes',
          undefined,
          node,
          {
            metadata: {
              annotations: { [AGENT_VERSION_ANNOTATION]: v, [AGENT_VERSION_SINCE_ANNOTATION]: since },
            },
          },
          'merge',
        ),
      ),
    );
  };
  const orderedOf = (node: string) =>
    deps.nodes.get(`/${node}`)?.metadata.annotations?.[AGENT_VERSION_ANNOTATION];
  return {
    kind: 'Agent',
    name: ro.spec.targetRef.name,
    hash: version,
    boards,
    labels: (unit) => deps.nodes.get(`/${unit}`)?.metadata.labels,
    takeOver: async () => undefined,
    // Nothing to write: once the failed version is in the status, agentVersionOf answers the stable one.
    revert: async () => true,
    settled: () => true,
    update: (_ro, units) => order(units, version),
    async restore(_ro, revision) {
      // Boards ordered elsewhere go back; a board that fell back by itself is told so too.
      const move = [...boards.keys()].filter((b) => orderedOf(b) !== undefined && orderedOf(b) !== revision);
      if (move.length) await order(move, revision);
      return [...boards.values()].every((b) => {
        const n = deps.nodes.get(`/${b.node}`);
        return !b.nodeReady || (n !== undefined && reportedVersion(n) === revision);
      });
    },
  };
}
