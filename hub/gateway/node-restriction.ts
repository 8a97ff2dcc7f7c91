// The one gate for everything a board reports (Kubernetes' NodeRestriction admission and node
// authorizer for the MQTT path): status.ts, pod-status.ts and agent-events.ts call it before
// any write. A report that breaks a rule is refused whole (ReportRefusedError); nothing of it
// is stored and the last good state stays.

import type { Pod, PodStatus } from '../../shared/api/types.js';
import type { NodeStatusReport } from '../../shared/protocol/messages.js';
import { ReportRefusedError } from './restriction/errors.js';
import { nodeStatusProblems } from './restriction/node-status.js';
import { podStatusAfterReport } from './restriction/pod-status.js';

/** Admits a node status report or throws ReportRefusedError with every broken rule. */
export function admitNodeStatus(r: NodeStatusReport): void {
  const problems = nodeStatusProblems(r);
  if (problems.length) throw new ReportRefusedError('node status', problems);
}

/** The pod's status with the report's node-owned fields, or ReportRefusedError. */
export function admitPodStatus(pod: Pod, reported: PodStatus): PodStatus {
  const { status, problems } = podStatusAfterReport(pod, reported);
  if (problems.length) throw new ReportRefusedError('pod status', problems);
  return status;
}
