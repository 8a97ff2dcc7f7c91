// batch/v1 Job: run pods to completion (fleet tasks: "run this once on every board in a ring").

import type { PodTemplateSpec } from './apps.js';
import type { KubeObject, LabelSelector } from './types.js';

/** The label a Job's pods carry with its UID (batch.kubernetes.io/controller-uid). */
export const JOB_CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
/** The label a Job's pods carry with its name (batch.kubernetes.io/job-name). */
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';

export interface JobSpec {
  /** Pods running at once; default 1. */
  parallelism?: number;
  /** Successful pods needed; default 1. */
  completions?: number;
  /** Seconds from start after which the Job fails and its pods stop. */
  activeDeadlineSeconds?: number;
  /** Failed pods (or container restarts under OnFailure) before the Job fails; default 6. */
  backoffLimit?: number;
  selector?: LabelSelector;
  manualSelector?: boolean;
  template: PodTemplateSpec;
  /** The finished Job (and its pods) is deleted this long after it finished. */
  ttlSecondsAfterFinished?: number;
  /** No pods while true. */
  suspend?: boolean;
  completionMode?: 'NonIndexed';
}

export interface JobCondition {
  type: 'Complete' | 'Failed' | 'Suspended';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  ready?: number;
  succeeded?: number;
  failed?: number;
}

export interface Job extends KubeObject {
  kind: 'Job';
  spec: JobSpec;
  status?: JobStatus;
}
