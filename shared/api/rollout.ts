// drover.io/v1alpha1 Rollout: a health-gated, wave-by-wave rollout of a DaemonSet's new template
// across the fleet, with automatic rollback to the last good ControllerRevision (issue #10).
// The anchors: Argo Rollouts (steps, pause, abort -> rollback), AWS IoT Jobs (abort criteria by
// failure percentage after a minimum count), Rancher Fleet (partitions by selector or size).

import type { IntOrString } from './apps.js';
import type { KubeObject, LabelSelector } from './types.js';

export const ROLLOUT_GROUP = 'drover.io';
export const ROLLOUT_VERSION = 'v1alpha1';
export const ROLLOUT_API_VERSION = `${ROLLOUT_GROUP}/${ROLLOUT_VERSION}`;

/**
 * On a Deployment a Rollout has taken over: the Rollout's name (the Deployment controller
 * leaves the ReplicaSets' sizes to any Rollout that targets it, marked or not).
 */
export const ROLLOUT_MANAGED_ANNOTATION = 'drover.io/rollout';

/** On a Node: the agent version the board should run (set by a Rollout of the agent). */
export const AGENT_VERSION_ANNOTATION = 'drover.io/agent-version';
/** On a Node: when that version was ordered (RFC 3339): the board's timeout counts from it. */
export const AGENT_VERSION_SINCE_ANNOTATION = 'drover.io/agent-version-since';
/** The targetRef of a Rollout of the agent itself. */
export const AGENT_TARGET = {
  apiVersion: 'drover.io/v1alpha1',
  kind: 'Agent',
  name: 'drover-agent',
} as const;

/** When a wave's updated boards count as healthy, and when the wave fails. */
export interface RolloutGate {
  /** An updated pod must be Ready, without a restart, for this long, s. */
  soakSeconds?: number;
  /** An updated board not healthy this long after its new pod was created has failed, s. */
  boardTimeoutSeconds?: number;
  /** The gate fails once failed boards reach minBoards and exceed percent of the wave. */
  failureThreshold?: { percent?: number; minBoards?: number };
}

/** One wave: which of the boards not in an earlier wave it takes, and how many at once. */
export interface RolloutWave {
  name?: string;
  /** Only boards whose Node labels match (e.g. ring=canary). */
  selector?: LabelSelector;
  /** Percent of the remaining (selected) boards, rounded up; exclusive with count. */
  percent?: number;
  /** This many of the remaining (selected) boards; exclusive with percent. */
  count?: number;
  /** Boards of this wave updating at once: a count or a percent of the wave. */
  maxInFlight?: IntOrString;
  /** Overrides the rollout's maxPerMinute for this wave. */
  maxPerMinute?: number;
  /** Overrides of the rollout's gate for this wave. */
  gate?: RolloutGate;
}

/** The workloads a Rollout rolls out (apps/v1). */
export type RolloutTargetKind = 'DaemonSet' | 'Deployment' | 'Agent';

export type OfflinePolicy = 'Skip' | 'Wait';

export interface RolloutSpec {
  /** The workload rolled out; DaemonSet in the same namespace. */
  targetRef: { apiVersion?: string; kind: RolloutTargetKind; name: string };
  waves: RolloutWave[];
  gate?: RolloutGate;
  /**
   * At most this many boards start their update a minute (AWS IoT Jobs' maximumPerMinute), on
   * top of each wave's maxInFlight; a wave may set its own. Unset: no limit, each wave starts
   * as many as its maxInFlight allows. A rollback is never paced.
   */
  maxPerMinute?: number;
  /**
   * A board NotReady when its wave comes counts as pending and is updated when it returns.
   * Skip: after timeoutSeconds from the wave's start, pending boards no longer hold the gate;
   * Wait: they hold it until they return (or the rollout is aborted).
   */
  offline?: { policy?: OfflinePolicy; timeoutSeconds?: number };
  /** Agent target: the agent version (a bundle the hub serves) the boards are to run. */
  agentVersion?: string;
  /** No board is updated and no wave starts while set; a failing gate still rolls back. */
  paused?: boolean;
  /** Roll the whole fleet back to the stable revision and hold there while set. */
  abort?: boolean;
}

export type RolloutPhase =
  | 'Healthy'
  | 'Progressing'
  | 'Paused'
  | 'RollingBack'
  | 'RolledBack'
  | 'Aborted'
  | 'Completed';

export interface RolloutWaveStatus {
  name: string;
  boards: number;
  /** Boards running the update revision (healthy or not). */
  updated: number;
  healthy: number;
  failed: number;
  /** NotReady boards not yet updated (offline). */
  pending: number;
}

export interface RolloutCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface RolloutStatus {
  observedGeneration?: number;
  phase?: RolloutPhase;
  message?: string;
  /** The last revision (controller-revision-hash) every board ran healthily. */
  stableRevision?: string;
  /** The revision being rolled out. */
  updateRevision?: string;
  /** The last revision whose gate failed (rolled back). */
  failedRevision?: string;
  /** Index of the wave in progress (== waves.length when all passed). */
  currentWave?: number;
  waveStartTime?: string;
  boards?: number;
  updatedBoards?: number;
  waves?: RolloutWaveStatus[];
  conditions?: RolloutCondition[];
}

export interface Rollout extends KubeObject {
  kind: 'Rollout';
  spec: RolloutSpec;
  status?: RolloutStatus;
}
