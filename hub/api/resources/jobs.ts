// batch/v1 Job: defaults (parallelism, completions, backoffLimit), the generated selector on
// the Job's UID (upstream manualSelector=false), validation (restartPolicy Never or OnFailure,
// immutable selector, template and completions). Its controller is hub/controllers/job.ts.

import { nonNegative } from './apps-validation.js';
import { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, type Job } from '../../../shared/api/batch.js';
import type { StatusCause } from '../../../shared/api/types.js';
import { cause, notSupported, required } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { arr, bool, int, kindSchema, labelSelector, obj, str } from '../schema.js';
import { age, ageColumn, col, nameColumn } from '../table.js';
import { podTemplateSpecSchema } from './apps-schema.js';
import { defaultTemplate } from './apps-validation.js';
import { validatePodSpec } from './pod-validation.js';

export const DEFAULT_PARALLELISM = 1;
export const DEFAULT_COMPLETIONS = 1;
/** Failures before the Job fails (upstream default). */
export const DEFAULT_BACKOFF_LIMIT = 6;

export const jobSpecSchema = obj({
  parallelism: int,
  completions: int,
  activeDeadlineSeconds: int,
  backoffLimit: int,
  selector: labelSelector,
  manualSelector: bool,
  template: podTemplateSpecSchema,
  ttlSecondsAfterFinished: int,
  suspend: bool,
  completionMode: str,
});

const jobSchema = kindSchema({
  spec: jobSpecSchema,
  status: obj({
    conditions: arr(
      obj({ type: str, status: str, reason: str, message: str, lastProbeTime: str, lastTransitionTime: str }),
    ),
    startTime: str,
    completionTime: str,
    active: int,
    ready: int,
    succeeded: int,
    failed: int,
  }),
});

export function validateJob(job: Job, old?: Job): StatusCause[] {
  const s = job.spec;
  if (!s) return [required('spec')];
  const causes = [
    ...nonNegative('spec.parallelism', s.parallelism),
    ...nonNegative('spec.completions', s.completions),
    ...nonNegative('spec.backoffLimit', s.backoffLimit),
    ...nonNegative('spec.ttlSecondsAfterFinished', s.ttlSecondsAfterFinished),
  ];
  if (s.activeDeadlineSeconds !== undefined && !(s.activeDeadlineSeconds > 0))
    causes.push(
      cause(
        'spec.activeDeadlineSeconds',
        `Invalid value: ${s.activeDeadlineSeconds}: must be greater than 0`,
      ),
    );
  if (s.completionMode !== undefined && s.completionMode !== 'NonIndexed')
    causes.push(notSupported('spec.completionMode', s.completionMode, ['NonIndexed']));
  if (!s.template?.spec) causes.push(required('spec.template'));
  else {
    causes.push(...validatePodSpec(s.template.spec, 'spec.template.spec'));
    const rp = s.template.spec.restartPolicy;
    if (rp !== 'Never' && rp !== 'OnFailure')
      causes.push(notSupported('spec.template.spec.restartPolicy', rp ?? 'Always', ['OnFailure', 'Never']));
  }
  if (old) {
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    for (const [f, a, b] of [
      ['spec.selector', s.selector, old.spec.selector],
      ['spec.template', s.template, old.spec.template],
      ['spec.completions', s.completions, old.spec.completions],
    ] as const)
      if (!same(a, b)) causes.push(cause(f, 'Invalid value: field is immutable', 'FieldValueForbidden'));
  }
  return causes;
}

export const jobs: ResourceDef<Job> = {
  group: 'batch',
  version: 'v1',
  resource: 'jobs',
  kind: 'Job',
  singular: 'job',
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status'],
  schema: jobSchema,
  defaults(job) {
    const s = job.spec;
    if (!s) return;
    s.parallelism ??= DEFAULT_PARALLELISM;
    s.completions ??= DEFAULT_COMPLETIONS;
    s.backoffLimit ??= DEFAULT_BACKOFF_LIMIT;
    s.suspend ??= false;
    s.completionMode ??= 'NonIndexed';
    defaultTemplate(s.template);
  },
  prepareCreate(job) {
    job.status = {};
    const s = job.spec;
    if (!s?.template || s.manualSelector) return;
    // The selector is the Job's own UID, so two Jobs never claim each other's pods.
    const uid = job.metadata.uid ?? '';
    s.selector = { matchLabels: { [JOB_CONTROLLER_UID_LABEL]: uid } };
    s.template.metadata ??= {};
    const meta = s.template.metadata;
    meta.labels = {
      ...meta.labels,
      [JOB_CONTROLLER_UID_LABEL]: uid,
      [JOB_NAME_LABEL]: job.metadata.name ?? '',
      'controller-uid': uid,
      'job-name': job.metadata.name ?? '',
    };
  },
  validate: (job, old) => validateJob(job, old),
  table: {
    columns: [
      nameColumn,
      col('Status', 'string', 'Complete, Failed, Running or Suspended'),
      col('Completions', 'string', 'Succeeded of desired'),
      col('Duration', 'string', 'From start to completion (or now)'),
      ageColumn,
    ],
    cells: (job, now) => {
      const cond = job.status?.conditions?.find((c) => c.status === 'True');
      const start = job.status?.startTime;
      return [
        job.metadata.name,
        cond?.type ?? (job.spec.suspend ? 'Suspended' : 'Running'),
        `${job.status?.succeeded ?? 0}/${job.spec.completions ?? 1}`,
        start ? age(start, job.status?.completionTime ? Date.parse(job.status.completionTime) : now) : '',
        age(job.metadata.creationTimestamp, now),
      ];
    },
  },
};
