// CronJob controller (batch/v1, upstream cronjob_controllerv2): at each scheduled time (UTC)
// it creates the Job from the template, named `<cronjob>-<minutes since epoch>` so a retry or a
// second hub cannot start the same run twice; honours suspend, startingDeadlineSeconds and the
// concurrency policy (Allow, Forbid: skip while one runs, Replace: stop it first); keeps
// status.active and the last schedule/success times; trims finished Jobs to the history limits.
// Reads come from the shared informers (the CronJob, its Jobs by the `owner-uid` index).

import type { ApiClient } from '../api/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../api/errors.js';
import {
  CRONJOB_SCHEDULED_ANNOTATION,
  type CronJob,
  type CronJobStatus,
  type Job,
} from '../../shared/api/batch.js';
import { createLogger, type Logger } from '../../shared/log.js';
import type { EventRecorder } from '../events/recorder.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import { INDEX_CONTROLLER_UID } from '../informers/indexes.js';
import type { Informer } from '../informers/informer.js';
import { controllerOf, keyOf, newControllerRef } from './controller-ref.js';
import { Schedule } from './cronjob/schedule.js';
import { finishedCondition } from './job/plan.js';
import { type Controller, type Result, Runner, type RunnerOptions } from './runner.js';

export interface CronJobControllerOptions {
  client: ApiClient;
  recorder?: EventRecorder;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  informers?: InformerFactory;
  /** The clock, ms since epoch (tests move it). */
  now?: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function jobForRun(cj: CronJob, scheduled: number): Job {
  const t = cj.spec.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: `${cj.metadata.name}-${Math.floor(scheduled / 60_000)}`,
      namespace: cj.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}) },
      annotations: { ...(t.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_ANNOTATION]: iso(scheduled) },
      ownerReferences: [newControllerRef(cj)],
    },
    spec: JSON.parse(JSON.stringify(t.spec)) as Job['spec'],
  };
}

export class CronJobController implements Controller {
  readonly name = 'cronjob';
  private readonly runner: Runner;
  private readonly log: Logger;
  private readonly informers: InformerUse;
  private readonly cronJobs: Informer<CronJob>;
  private readonly jobs: Informer<Job>;
  private readonly now: () => number;

  constructor(private readonly opts: CronJobControllerOptions) {
    this.log = opts.log ?? createLogger('controller/cronjob');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.cronJobs = this.informers.factory.informer<CronJob>('cronjobs');
    this.jobs = this.informers.factory.informer<Job>('jobs');
    this.now = opts.now ?? Date.now;
  }

  idle(): boolean {
    return this.runner.idle();
  }

  async start(): Promise<void> {
    await this.informers.watch<CronJob>('cronjobs', { onChange: (_t, cj) => this.runner.add(keyOf(cj)) });
    await this.informers.watch<Job>('jobs', {
      onChange: (_t, j) => {
        const ref = controllerOf(j);
        if (ref?.kind === 'CronJob') this.runner.addCoalesced(`${j.metadata.namespace ?? ''}/${ref.name}`);
      },
    });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const cj = this.cronJobs.get(key);
    if (!cj || cj.metadata.deletionTimestamp) return undefined;
    const c = this.opts.client;
    const ns = cj.metadata.namespace;
    const now = this.now();
    const owned = this.jobs.byIndex(INDEX_CONTROLLER_UID, cj.metadata.uid ?? '');
    const active = owned.filter((j) => !finishedCondition(j) && !j.metadata.deletionTimestamp);
    await this.trimHistory(cj, owned);

    const status: CronJobStatus = { ...(cj.status ?? {}) };
    const lastSuccess = owned
      .map((j) => (finishedCondition(j)?.type === 'Complete' ? j.status?.completionTime : undefined))
      .filter((t): t is string => !!t)
      .sort()
      .pop();
    if (lastSuccess) status.lastSuccessfulTime = lastSuccess;

    const schedule = Schedule.parse(cj.spec.schedule);
    if (!cj.spec.suspend) {
      const since = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '') || now;
      const { last } = schedule.lastBetween(new Date(since), new Date(now));
      const deadline = cj.spec.startingDeadlineSeconds;
      if (last && deadline !== undefined && now - last.getTime() > deadline * 1000) {
        this.event(
          cj,
          'Warning',
          'MissSchedule',
          `Missed scheduled time to start a job: ${iso(last.getTime())}`,
        );
      } else if (last && cj.spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
        this.log.debug('run skipped: a job is still active (Forbid)', { cronjob: key });
      } else if (last) {
        if (cj.spec.concurrencyPolicy === 'Replace') {
          for (const j of active)
            await c
              .delete('jobs', ns, j.metadata.name ?? '', { propagationPolicy: 'Background' })
              .catch((e) => {
                if (!isNotFound(e)) throw e;
              });
          active.length = 0;
        }
        const job = jobForRun(cj, last.getTime());
        try {
          const made = await c.create<Job>('jobs', ns, job);
          active.push(made);
          this.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata.name}`);
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
        }
        status.lastScheduleTime = iso(last.getTime());
      }
    }
    status.active = active.map((j) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      name: j.metadata.name ?? '',
      namespace: ns,
      uid: j.metadata.uid ?? '',
    }));
    if (status.active.length === 0) delete status.active;
    if (JSON.stringify(status) !== JSON.stringify(cj.status ?? {})) {
      try {
        await c.update<CronJob>('cronjobs', ns, { ...cj, status }, 'status');
      } catch (e) {
        if (isConflict(e)) return { requeue: true };
        if (isNotFound(e)) return undefined;
        throw e;
      }
    }
    const next = schedule.next(new Date(now));
    return next ? { requeueAfterMs: Math.max(100, next.getTime() - now + 100) } : undefined;
  }

  /** Finished Jobs past the history limits go, oldest first (their pods with them). */
  private async trimHistory(cj: CronJob, owned: Job[]): Promise<void> {
    const finished = (type: string) =>
      owned
        .filter((j) => finishedCondition(j)?.type === type && !j.metadata.deletionTimestamp)
        .sort((a, b) =>
          (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
        );
    const extra = [
      ...finished('Complete').slice(
        0,
        Math.max(0, finished('Complete').length - (cj.spec.successfulJobsHistoryLimit ?? 3)),
      ),
      ...finished('Failed').slice(
        0,
        Math.max(0, finished('Failed').length - (cj.spec.failedJobsHistoryLimit ?? 1)),
      ),
    ];
    for (const j of extra)
      await this.opts.client
        .delete('jobs', j.metadata.namespace, j.metadata.name ?? '', { propagationPolicy: 'Background' })
        .catch((e) => {
          if (!isNotFound(e)) throw e;
        });
  }

  private event(cj: CronJob, type: 'Normal' | 'Warning', reason: string, message: string): void {
    void this.opts.recorder?.record(cj, type, reason, message).catch(() => {});
  }
}
