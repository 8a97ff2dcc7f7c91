// The one gate for everything a board reports (Kubernetes' NodeRestriction admission and node
// authorizer for the MQTT path): status.ts, pod-status.ts and agent-events.ts call it before
// any write. A report that breaks a rule is refused whole (ReportRefusedError); nothing of it
// is stored and the last good state stays.

import type { Pod, PodStatus } from '../../shared/api/types.js';
import type { AgentEvent, NodeStatusReport } from '../../shared/protocol/messages.js';
import { EventRateLimitedError, ReportRefusedError } from './restriction/errors.js';
import { eventAfterReport } from './restriction/events.js';
import { nodeStatusProblems } from './restriction/node-status.js';
import { podStatusAfterReport } from './restriction/pod-status.js';
import type { KeyedTokenBucket } from './restriction/rate-limit.js';

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

/**
 * The event as it may be recorded (message cut to 1 KiB), after the node's token bucket
 * (EventRateLimitedError when empty) and the event rules (ReportRefusedError). Which object
 * it is about is checked against the store by the caller.
 */
export function admitEvent(node: string, ev: AgentEvent, limiter: KeyedTokenBucket): AgentEvent {
  if (!limiter.take(node)) throw new EventRateLimitedError(node);
  const { event, problems } = eventAfterReport(ev);
  if (problems.length) throw new ReportRefusedError('event', problems);
  return event;
}
