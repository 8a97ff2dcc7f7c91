// A board's state in a rollout, pure: from its node's readiness and its daemon pod.
//   old       runs another revision, node Ready: to be updated when its wave allows
//   pending   node NotReady and not yet healthy on the new revision (offline): updated on return
//   updating  old pod going, or the new pod not yet healthy (within the board timeout)
//   healthy   new pod Ready, without a restart, for the soak time
//   failed    new pod restarted or Failed, cannot pull its image (ErrImagePull,
//             ImagePullBackOff), or not healthy within the board timeout; or the old pod is
//             kept because the board cannot pull the new image before stopping it (#18)
// wakeAt says when the state changes by time alone (soak done, timeout), so the controller
// looks again then.

import { POD_TEMPLATE_HASH_LABEL } from '../../../shared/api/apps.js';
import { IMAGE_PULL_FAILURES } from '../../../shared/api/next-images.js';
import type { Pod } from '../../../shared/api/types.js';
import { readySince } from '../active-pods.js';
import { REVISION_HASH_LABEL } from '../daemonset/placement.js';
import type { ResolvedGate } from './plan.js';

export type BoardState = 'old' | 'pending' | 'updating' | 'healthy' | 'failed';

export interface BoardView {
  node: string;
  nodeReady: boolean;
  /** The newest daemon pod on the node that is not being deleted. */
  pod?: Pod;
  /** A daemon pod on the node is being deleted. */
  terminating: boolean;
  /** The terminating pod's board cannot pull its replacement's images (pull before stop), and why. */
  pullFailure?: string;
}

export interface BoardHealth {
  state: BoardState;
  /** Why a board failed, for events and status. */
  reason?: string;
  wakeAt?: number;
}

/** A DaemonSet pod's controller-revision-hash, a Deployment pod's pod-template-hash. */
export function revisionOf(p: Pod): string | undefined {
  return p.metadata.labels?.[REVISION_HASH_LABEL] ?? p.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
}

export function restartsOf(p: Pod): number {
  return (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** Why a pod's image cannot be pulled on its board, if a container waits for that. */
export function imagePullFailure(p: Pod): string | undefined {
  for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
    const w = c.state?.waiting;
    if (w?.reason && IMAGE_PULL_FAILURES.has(w.reason)) return `${w.reason}: ${w.message ?? c.image}`;
  }
  return undefined;
}

export function boardHealth(b: BoardView, revision: string, gate: ResolvedGate, now: number): BoardHealth {
  const pod = b.pod;
  if (!pod || revisionOf(pod) !== revision) {
    if (!b.nodeReady) return { state: 'pending' };
    // Failed at once, not at the board timeout: the gate decides (#18).
    if (b.pullFailure && b.terminating) return { state: 'failed', reason: b.pullFailure };
    return { state: !pod || b.terminating ? 'updating' : 'old' };
  }
  const restarts = restartsOf(pod);
  if (restarts > 0) return { state: 'failed', reason: `restarted ${restarts} time(s)` };
  const pull = imagePullFailure(pod);
  if (pull) return { state: 'failed', reason: pull };
  if (pod.status?.phase === 'Failed') return { state: 'failed', reason: 'pod failed' };
  const since = readySince(pod);
  if (since !== undefined) {
    const soaked = since + gate.soakSeconds * 1000;
    return soaked <= now ? { state: 'healthy' } : { state: 'updating', wakeAt: soaked };
  }
  if (!b.nodeReady) return { state: 'pending' };
  const created = Date.parse(pod.metadata.creationTimestamp ?? '') || now;
  const deadline = created + gate.boardTimeoutSeconds * 1000;
  if (deadline <= now) return { state: 'failed', reason: `not Ready within ${gate.boardTimeoutSeconds}s` };
  return { state: 'updating', wakeAt: deadline };
}
