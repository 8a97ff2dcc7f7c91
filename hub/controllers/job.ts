// Job controller (batch/v1): runs a Job's pods to completion (job/plan.ts decides how many) and
// deletes a finished Job once its ttlSecondsAfterFinished has passed (upstream's TTL-after-
// finished controller), its pods going with it through the garbage collector. Reads come from
// the shared informers (the Job, its pods by the `owner-uid` index); creates and deletes set
// expectations first, as the ReplicaSet controller does, so a lagging informer cannot cause
// extra pods.

import type { ApiClient } from '../api/client.js';
import { isNotFound } from '../api/errors.js';
import { writeStatusIfChanged } from './status-write.js';
import type { Job } from '../../shared/api/batch.js';
import type { Pod } from '../../shared/api/types.js';
import { createLogger, type Logger } from '../../shared/log.js';
import type { EventRecorder } from '../events/recorder.js';
import { type InformerFactory, InformerUse } from '../informers/factory.js';
import { INDEX_CONTROLLER_UID } from '../informers/indexes.js';
import type { ChangeType, Informer } from '../informers/informer.js';
import { keyOf, newControllerRef } from './controller-ref.js';
import { Expectations } from './expectations.js';
import { createExpected, deleteExpected, observeOwnedPod } from './expected-writes.js';
import { finishedCondition, planJob } from './job/plan.js';
import { type Controller, type Result, Runner, type RunnerOptions } from './runner.js';
import { jsonClone } from '../../shared/json-clone.js';

export interface JobControllerOptions {
  client: ApiClient;
  recorder?: EventRecorder;
  runner?: Omit<RunnerOptions, 'log'>;
  log?: Logger;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
  /** First delay before a pod replaces a failed one, ms (default JOB_BACKOFF_BASE_MS, 10 s). */
  backoffBaseMs?: number;
}

export function podForJob(job: Job): Pod {
  const t = job.spec.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${job.metadata.name}-`,
      namespace: job.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
      ownerReferences: [newControllerRef(job)],
    },
    spec: jsonClone(t.spec) as Pod['spec'],
  };
}

export class JobController implements Controller {
  readonly name = 'job';
  private readonly runner: Runner;
  private readonly log: Logger;
  private readonly informers: InformerUse;
  private readonly jobs: Informer<Job>;
  private readonly pods: Informer<Pod>;
  readonly expectations = new Expectations();

  constructor(private readonly opts: JobControllerOptions) {
    this.log = opts.log ?? createLogger('controller/job');
    this.runner = new Runner(this, { ...opts.runner, log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.jobs = this.informers.factory.informer<Job>('jobs');
    this.pods = this.informers.factory.informer<Pod>('pods');
  }

  idle(): boolean {
    return this.runner.idle();
  }

  async start(): Promise<void> {
    await this.informers.watch<Job>('jobs', { onChange: (_t, j) => this.runner.add(keyOf(j)) });
    await this.informers.watch<Pod>('pods', { onChange: (t, p) => this.onPod(t, p) });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  private onPod(type: ChangeType, p: Pod): void {
    const key = observeOwnedPod(this.expectations, 'Job', type, p);
    if (key) this.runner.addCoalesced(key);
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const job = this.jobs.get(key);
    if (!job) {
      this.expectations.delete(key);
      return undefined;
    }
    if (job.metadata.deletionTimestamp) return undefined;
    const done = finishedCondition(job);
    if (done && job.spec.ttlSecondsAfterFinished !== undefined) {
      const due = Date.parse(done.lastTransitionTime ?? '') + job.spec.ttlSecondsAfterFinished * 1000;
      if (Date.now() >= due) {
        await this.opts.client
          .delete('jobs', job.metadata.namespace, job.metadata.name ?? '', {
            propagationPolicy: 'Background',
          })
          .catch((e) => {
            if (!isNotFound(e)) throw e;
          });
        this.log.info('deleted finished job after its TTL', { job: key });
        return undefined;
      }
    }
    const pods = this.pods.byIndex(INDEX_CONTROLLER_UID, job.metadata.uid ?? '');
    const plan = planJob(job, pods, Date.now(), this.opts.backoffBaseMs);
    // Until the informer has shown our last creates and deletes, its counts are not to be trusted.
    if (this.expectations.satisfied(key)) {
      if (plan.remove.length) await this.deletePods(key, plan.remove);
      if (plan.create > 0) await this.createPods(key, job, plan.create);
    }
    const wrote = await writeStatusIfChanged(this.opts.client, 'jobs', job, plan.status);
    if (wrote === 'conflict') return { requeue: true };
    if (wrote === 'gone') return undefined;
    if (wrote === 'written') {
      const cond = finishedCondition({ ...job, status: plan.status });
      if (cond && !done)
        await this.opts.recorder
          ?.record(
            job,
            cond.type === 'Complete' ? 'Normal' : 'Warning',
            cond.reason ?? 'Completed',
            cond.message ?? 'Job completed',
          )
          .catch(() => {});
    }
    const ttl =
      done && job.spec.ttlSecondsAfterFinished !== undefined
        ? Date.parse(done.lastTransitionTime ?? '') + job.spec.ttlSecondsAfterFinished * 1000 - Date.now()
        : undefined;
    const after = Math.min(plan.requeueAfterMs ?? Infinity, ttl ?? Infinity);
    return Number.isFinite(after) ? { requeueAfterMs: Math.max(1, after) } : undefined;
  }

  private async createPods(key: string, job: Job, n: number): Promise<void> {
    await createExpected(this.expectations, key, n, async () => {
      await this.opts.client.create<Pod>('pods', job.metadata.namespace, podForJob(job));
    });
  }

  private async deletePods(key: string, pods: Pod[]): Promise<void> {
    const c = this.opts.client;
    await deleteExpected(
      this.expectations,
      key,
      pods,
      (p) => c.delete('pods', p.metadata.namespace, p.metadata.name ?? ''),
      isNotFound,
    );
  }
}
