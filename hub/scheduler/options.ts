// Scheduler options: defaults (with units) and validation in one place.

import type { Logger } from '../../shared/log.js';
import type { ApiClient } from '../api/client.js';
import { DEFAULT_SCHEDULER_NAMES } from './cache.js';
import type { Profile } from './defaults.js';
import type { QueueOptions } from './queue.js';
import type { Metrics } from '../metrics.js';

export interface SchedulerOptions {
  client: ApiClient;
  log?: Logger;
  /** Overrides of the default profile (plugins, weights, percentageOfNodesToScore). */
  profile?: Partial<Profile>;
  /** Backoff and flush timings of the scheduling queue. */
  queue?: QueueOptions;
  /** spec.schedulerName values served; an empty schedulerName means default-scheduler. */
  schedulerNames?: readonly string[];
  /** Bindings written concurrently (k8s binds asynchronously from the scheduling loop). */
  maxConcurrentBinds?: number;
  /** Attempts at the PodScheduled=False status write when it meets a conflict. */
  statusUpdateAttempts?: number;
  /** Registry for kube-scheduler's metrics (scheduler-metrics.ts); none when omitted. */
  metrics?: Metrics;
  /** Scheduling cycles run back to back for this long before yielding to the event loop, ms. */
  cycleSliceMs?: number;
}

export const SCHEDULER_DEFAULTS = {
  schedulerNames: DEFAULT_SCHEDULER_NAMES,
  maxConcurrentBinds: 64,
  statusUpdateAttempts: 3,
  cycleSliceMs: 5, // ms
} as const;

export class SchedulerOptionsError extends Error {
  override name = 'SchedulerOptionsError';
}

export interface ResolvedSchedulerOptions {
  schedulerNames: readonly string[];
  maxConcurrentBinds: number;
  statusUpdateAttempts: number;
  cycleSliceMs: number;
}

export function resolveSchedulerOptions(opts: SchedulerOptions): ResolvedSchedulerOptions {
  const r = {
    schedulerNames: opts.schedulerNames ?? SCHEDULER_DEFAULTS.schedulerNames,
    maxConcurrentBinds: opts.maxConcurrentBinds ?? SCHEDULER_DEFAULTS.maxConcurrentBinds,
    statusUpdateAttempts: opts.statusUpdateAttempts ?? SCHEDULER_DEFAULTS.statusUpdateAttempts,
    cycleSliceMs: opts.cycleSliceMs ?? SCHEDULER_DEFAULTS.cycleSliceMs,
  };
  if (r.schedulerNames.length === 0)
    throw new SchedulerOptionsError('schedulerNames must name at least one scheduler');
  if (!Number.isInteger(r.maxConcurrentBinds) || r.maxConcurrentBinds < 1)
    throw new SchedulerOptionsError(
      `maxConcurrentBinds must be an integer >= 1, got ${r.maxConcurrentBinds}`,
    );
  if (!Number.isInteger(r.statusUpdateAttempts) || r.statusUpdateAttempts < 1)
    throw new SchedulerOptionsError(
      `statusUpdateAttempts must be an integer >= 1, got ${r.statusUpdateAttempts}`,
    );
  if (!Number.isFinite(r.cycleSliceMs) || r.cycleSliceMs < 0)
    throw new SchedulerOptionsError(`cycleSliceMs must be >= 0, got ${r.cycleSliceMs}`);
  return r;
}
