// What a Job needs now (upstream job controller's syncJob), pure: its status, how many pods to
// create, which to delete, when to look again. Counts come from the pods the Job owns:
// Succeeded ones complete it, Failed ones (and container restarts under OnFailure) spend its
// backoffLimit; a deadline or the limit fails it and stops what still runs. After a failure the
// next pod waits 10 s doubling to 6 min (upstream's pod failure backoff; the first delay is the
// hub's --job-backoff-base).

import type { Job, JobCondition, JobStatus } from '../../../shared/api/batch.js';
import type { Pod } from '../../../shared/api/types.js';
import { isPodReady } from '../active-pods.js';

/** First delay before a pod replaces a failed one, ms (upstream DefaultJobPodFailureBackOff). */
export const JOB_BACKOFF_BASE_MS = 10_000;
/** Longest such delay, ms (upstream MaxJobPodFailureBackOff). */
export const JOB_BACKOFF_MAX_MS = 6 * 60_000;

export interface JobPlan {
  status: JobStatus;
  /** Pods to create from the template now. */
  create: number;
  /** Running pods to stop (the Job finished, failed or has too many running). */
  remove: Pod[];
  requeueAfterMs?: number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function finishedCondition(job: Job): JobCondition | undefined {
  return job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

function finishedAt(p: Pod): number {
  let t = 0;
  for (const cs of p.status?.containerStatuses ?? []) {
    const f = cs.state?.terminated?.finishedAt;
    if (f) t = Math.max(t, Date.parse(f) || 0);
  }
  return t || Date.parse(p.metadata.creationTimestamp ?? '') || 0;
}

function restarts(p: Pod): number {
  return (p.status?.containerStatuses ?? []).reduce((n, cs) => n + (cs.restartCount ?? 0), 0);
}

export function planJob(job: Job, pods: Pod[], now: number, backoffBaseMs = JOB_BACKOFF_BASE_MS): JobPlan {
  const s = job.spec;
  const active = pods.filter(
    (p) => !p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed',
  );
  const failedPods = pods.filter((p) => p.status?.phase === 'Failed');
  const succeeded = pods.filter((p) => p.status?.phase === 'Succeeded').length;
  const onFailure = s.template.spec?.restartPolicy === 'OnFailure';
  const failed = failedPods.length + (onFailure ? pods.reduce((n, p) => n + restarts(p), 0) : 0);
  const done = finishedCondition(job);
  const conditions = (job.status?.conditions ?? []).filter((c) => c.type !== 'Suspended');
  const startTime = job.status?.startTime ?? (s.suspend ? undefined : iso(now));
  const status: JobStatus = {
    ...(conditions.length ? { conditions } : {}),
    ...(startTime ? { startTime } : {}),
    ...(job.status?.completionTime ? { completionTime: job.status.completionTime } : {}),
    active: active.length,
    ready: active.filter(isPodReady).length,
    succeeded,
    failed,
  };
  if (done) return { status, create: 0, remove: active };

  const finish = (type: 'Complete' | 'Failed', reason?: string, message?: string): JobPlan => {
    status.conditions = [
      ...conditions,
      {
        type,
        status: 'True',
        ...(reason ? { reason, message } : {}),
        lastProbeTime: iso(now),
        lastTransitionTime: iso(now),
      },
    ];
    if (type === 'Complete') status.completionTime = iso(now);
    return { status, create: 0, remove: active };
  };
  const backoffLimit = s.backoffLimit ?? 6;
  if (failed > backoffLimit)
    return finish('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
  const deadlineMs =
    s.activeDeadlineSeconds && startTime ? Date.parse(startTime) + s.activeDeadlineSeconds * 1000 : undefined;
  if (deadlineMs !== undefined && now >= deadlineMs)
    return finish('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline');
  const completions = s.completions ?? 1;
  if (succeeded >= completions) return finish('Complete');

  if (s.suspend)
    status.conditions = [
      ...conditions,
      {
        type: 'Suspended',
        status: 'True',
        reason: 'JobSuspended',
        message: 'Job suspended',
        lastTransitionTime: iso(now),
      },
    ];
  const want = s.suspend ? 0 : Math.min(s.parallelism ?? 1, completions - succeeded);
  const plan: JobPlan = { status, create: 0, remove: [] };
  if (active.length > want) {
    // The newest go first: the older ones have done more of the work.
    const byAge = [...active].sort((a, b) => finishedAt(b) - finishedAt(a));
    plan.remove = byAge.slice(0, active.length - want);
  } else if (active.length < want) {
    const lastFailure = failedPods.reduce((t, p) => Math.max(t, finishedAt(p)), 0);
    const delay = failed > 0 ? Math.min(backoffBaseMs * 2 ** (failed - 1), JOB_BACKOFF_MAX_MS) : 0;
    const wait = lastFailure + delay - now;
    if (wait > 0) plan.requeueAfterMs = wait;
    else plan.create = want - active.length;
  }
  if (deadlineMs !== undefined)
    plan.requeueAfterMs = Math.min(plan.requeueAfterMs ?? Infinity, deadlineMs - now);
  return plan;
}
