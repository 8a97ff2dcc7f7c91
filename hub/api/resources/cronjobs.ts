// batch/v1 CronJob: a Job template run on a cron schedule (UTC). Its controller is
// hub/controllers/cronjob.ts; the schedule grammar is hub/controllers/cronjob/schedule.ts.

import { nonNegative } from './apps-validation.js';
import type { CronJob, Job } from '../../../shared/api/batch.js';
import type { StatusCause } from '../../../shared/api/types.js';
import { Schedule, ScheduleError } from '../../controllers/cronjob/schedule.js';
import { cause, notSupported, required } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { arr, bool, int, kindSchema, obj, objectMeta, objectReference, str } from '../schema.js';
import { age, ageColumn, col, nameColumn } from '../table.js';
import { jobs, jobSpecSchema, validateJob } from './jobs.js';

export const DEFAULT_SUCCESSFUL_JOBS_HISTORY = 3;
export const DEFAULT_FAILED_JOBS_HISTORY = 1;

export function validateCronJob(cj: CronJob): StatusCause[] {
  const s = cj.spec;
  if (!s) return [required('spec')];
  const causes: StatusCause[] = [];
  try {
    Schedule.parse(s.schedule ?? '');
  } catch (e) {
    if (!(e instanceof ScheduleError)) throw e;
    causes.push(cause('spec.schedule', `Invalid value: "${s.schedule}": ${e.message}`));
  }
  if (s.timeZone !== undefined && s.timeZone !== 'UTC' && s.timeZone !== 'Etc/UTC')
    causes.push(notSupported('spec.timeZone', s.timeZone, ['UTC']));
  const p = s.concurrencyPolicy;
  if (p !== undefined && !['Allow', 'Forbid', 'Replace'].includes(p))
    causes.push(notSupported('spec.concurrencyPolicy', p, ['Allow', 'Forbid', 'Replace']));
  for (const f of [
    'startingDeadlineSeconds',
    'successfulJobsHistoryLimit',
    'failedJobsHistoryLimit',
  ] as const) {
    causes.push(...nonNegative(`spec.${f}`, s[f]));
  }
  // A template may change freely (a Job's immutability rules are for Jobs, not templates).
  const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: {}, spec: s.jobTemplate?.spec } as Job;
  for (const c of validateJob(job)) causes.push({ ...c, field: `spec.jobTemplate.${c.field}` });
  return causes;
}

export const cronjobs: ResourceDef<CronJob> = {
  group: 'batch',
  version: 'v1',
  resource: 'cronjobs',
  kind: 'CronJob',
  singular: 'cronjob',
  shortNames: ['cj'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status'],
  schema: kindSchema({
    spec: obj({
      schedule: str,
      timeZone: str,
      startingDeadlineSeconds: int,
      concurrencyPolicy: str,
      suspend: bool,
      jobTemplate: obj({ metadata: objectMeta, spec: jobSpecSchema }),
      successfulJobsHistoryLimit: int,
      failedJobsHistoryLimit: int,
    }),
    status: obj({ active: arr(objectReference), lastScheduleTime: str, lastSuccessfulTime: str }),
  }),
  defaults(cj) {
    const s = cj.spec;
    if (!s) return;
    s.concurrencyPolicy ??= 'Allow';
    s.suspend ??= false;
    s.successfulJobsHistoryLimit ??= DEFAULT_SUCCESSFUL_JOBS_HISTORY;
    s.failedJobsHistoryLimit ??= DEFAULT_FAILED_JOBS_HISTORY;
    if (s.jobTemplate?.spec)
      jobs.defaults?.({ apiVersion: 'batch/v1', kind: 'Job', metadata: {}, spec: s.jobTemplate.spec });
  },
  prepareCreate(cj) {
    cj.status = {};
  },
  validate: (cj) => validateCronJob(cj),
  table: {
    columns: [
      nameColumn,
      col('Schedule', 'string', 'Cron schedule (UTC)'),
      col('Suspend', 'boolean', 'No new runs while true'),
      col('Active', 'integer', 'Jobs running now'),
      col('Last Schedule', 'string', 'Since the last run was scheduled'),
      ageColumn,
    ],
    cells: (cj, now) => [
      cj.metadata.name,
      cj.spec.schedule,
      cj.spec.suspend ?? false,
      cj.status?.active?.length ?? 0,
      cj.status?.lastScheduleTime ? age(cj.status.lastScheduleTime, now) : '<none>',
      age(cj.metadata.creationTimestamp, now),
    ],
  },
};
