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

/** The annotation a CronJob's Job carries with the time it was scheduled for. */
export const CRONJOB_SCHEDULED_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface JobTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: JobSpec;
}

export interface CronJobSpec {
  /** Cron schedule, UTC (5 fields or a macro such as @hourly). */
  schedule: string;
  /** Only UTC (or unset) is served. */
  timeZone?: string;
  /** A run later than this past its scheduled time is skipped. */
  startingDeadlineSeconds?: number;
  /** Allow (default), Forbid (skip while one runs) or Replace (stop the running one). */
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  suspend?: boolean;
  jobTemplate: JobTemplateSpec;
  /** Finished Jobs kept; defaults 3 and 1. */
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
}

export interface CronJobStatus {
  active?: { apiVersion: string; kind: string; name: string; namespace?: string; uid?: string }[];
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
}

export interface CronJob extends KubeObject {
  kind: 'CronJob';
  spec: CronJobSpec;
  status?: CronJobStatus;
}
