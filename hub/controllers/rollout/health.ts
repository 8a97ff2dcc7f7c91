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

import type { Pod } from '../../../shared/api/types.js';
import type { ResolvedGate } from './plan.js';
import { podFacts } from './pod-facts.js';

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

export function boardHealth(b: BoardView, revision: string, gate: ResolvedGate, now: number): BoardHealth {
  const pod = b.pod;
  const f = pod && podFacts(pod);
  if (!f || f.revision !== revision) {
    if (!b.nodeReady) return { state: 'pending' };
    // Failed at once, not at the board timeout: the gate decides (#18).
    if (b.pullFailure && b.terminating) return { state: 'failed', reason: b.pullFailure };
    return { state: !pod || b.terminating ? 'updating' : 'old' };
  }
  if (f.restarts > 0) return { state: 'failed', reason: `restarted ${f.restarts} time(s)` };
  if (f.pullFailure) return { state: 'failed', reason: f.pullFailure };
  if (f.failed) return { state: 'failed', reason: 'pod failed' };
  const since = f.readySince;
  if (since !== undefined) {
    const soaked = since + gate.soakSeconds * 1000;
    return soaked <= now ? { state: 'healthy' } : { state: 'updating', wakeAt: soaked };
  }
  if (!b.nodeReady) return { state: 'pending' };
  const created = f.createdMs || now;
  const deadline = created + gate.boardTimeoutSeconds * 1000;
  if (deadline <= now) return { state: 'failed', reason: `not Ready within ${gate.boardTimeoutSeconds}s` };
  return { state: 'updating', wakeAt: deadline };
}
