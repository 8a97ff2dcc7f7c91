// CronJob controller against the real API (SQLite) with a clock the test moves: a run at each
// scheduled time as a Job named after its minute, Forbid while one runs, Replace, suspend,
// a missed starting deadline, and finished Jobs trimmed to the history limit. No Job
// controller runs here: the test finishes Jobs itself through their status subresource.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CronJobController } from '../../../hub/controllers/cronjob.js';
import type { CronJob, Job } from '../../../shared/api/batch.js';
import { InformerFactory } from '../../../hub/informers/factory.js';
import { createLogger } from '../../../shared/log.js';
import { startApi, type TestApi } from '../api/helpers.js';
import { waitFor } from './wait.js';

let t: TestApi;
let ctl: CronJobController;
let informers: InformerFactory;
let clock = Date.now();
const c = () => t.api.client;
const MIN = 60_000;

test.before(async () => {
  t = await startApi();
  const log = createLogger('cj', 30);
  informers = new InformerFactory(c(), log);
  // No coalescing delay: a queued key is visible to idle() at once, so "seen and idle" is exact.
  ctl = new CronJobController({ client: c(), log, now: () => clock, informers, runner: { coalesceMs: 0 } });
  await ctl.start();
});
test.after(async () => {
  await ctl.stop();
  informers.stop();
  await t.stop();
});

function cronJob(name: string, spec: Partial<CronJob['spec']> = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: {
        spec: {
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
        },
      },
      ...spec,
    },
  };
}

async function jobsOf(name: string): Promise<Job[]> {
  const l = await c().list<Job>('jobs', 'default');
  return l.items
    .filter((j) => j.metadata.ownerReferences?.[0]?.name === name && !j.metadata.deletionTimestamp)
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}

/** Moves the clock and makes the controller look (a touch of the CronJob), then waits for it. */
async function advance(name: string, ms: number): Promise<void> {
  clock += ms;
  const touched = await c().patch<CronJob>(
    'cronjobs',
    'default',
    name,
    { metadata: { annotations: { tick: String(clock) } } },
    'merge',
  );
  // The informer queues the key in the same step that stores the touch, so once its cache holds
  // the touched revision (or a later status write) and the runner is idle, the controller has looked at the moved clock.
  const cache = informers.informer<CronJob>('cronjobs');
  await waitFor(
    'controller saw the touch',
    () =>
      Number(cache.get(`default/${name}`)?.metadata.resourceVersion) >=
        Number(touched.metadata.resourceVersion) && ctl.idle(),
  );
}

async function finish(job: Job, type: 'Complete' | 'Failed'): Promise<void> {
  await c().update<Job>(
    'jobs',
    'default',
    {
      ...job,
      status: {
        conditions: [{ type, status: 'True', lastTransitionTime: new Date(clock).toISOString() }],
        ...(type === 'Complete'
          ? { completionTime: new Date(clock).toISOString().replace(/\.\d{3}Z$/, 'Z') }
          : {}),
      },
    },
    'status',
  );
}

test('a run at each scheduled time; Forbid skips while one is active; history trimmed', async () => {
  await c().create(
    'cronjobs',
    'default',
    cronJob('tick', { concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 1 }),
  );
  await advance('tick', 0);
  assert.equal(await jobsOf('tick'), [], 'nothing before the first scheduled time');
  await advance('tick', 6 * MIN);
  const [first] = await waitFor('the first run', async () => {
    const l = await jobsOf('tick');
    return l.length === 1 ? l : undefined;
  });
  assert.ok(first, 'the first run');
  const scheduled = Date.parse(
    first.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'] ?? '',
  );
  assert.is(first.metadata.name, `tick-${Math.floor(scheduled / MIN)}`);
  assert.is(new Date(scheduled).getUTCMinutes() % 5, 0);
  assert.is(first.metadata.ownerReferences?.[0]?.kind, 'CronJob');
  const cj = await c().get<CronJob>('cronjobs', 'default', 'tick');
  assert.is(cj.status?.active?.[0]?.name, first.metadata.name);
  assert.is(Date.parse(cj.status?.lastScheduleTime ?? ''), scheduled);

  await advance('tick', 5 * MIN);
  assert.is((await jobsOf('tick')).length, 1, 'Forbid: no second run while the first is active');
  await finish(first, 'Complete');
  await advance('tick', 0);
  const after = await waitFor('the skipped run', async () => {
    const l = await jobsOf('tick');
    return l.length === 2 ? l : undefined;
  });
  assert.is(
    after.length,
    2,
    `the skipped run starts once the first finished: ${after.map((j) => j.metadata.name)}`,
  );
  await finish(after[1], 'Complete');
  await advance('tick', 0);
  const kept = await jobsOf('tick');
  assert.equal(
    kept.map((j) => j.metadata.name),
    [after[1].metadata.name],
    'successfulJobsHistoryLimit 1 keeps the newest',
  );
  const done = await c().get<CronJob>('cronjobs', 'default', 'tick');
  assert.ok(done.status?.lastSuccessfulTime, 'lastSuccessfulTime');
  assert.is(done.status?.active, undefined);
});

test('Replace stops the running Job for the new run; suspend and a missed deadline start none', async () => {
  await c().create('cronjobs', 'default', cronJob('swap', { concurrencyPolicy: 'Replace' }));
  await advance('swap', 6 * MIN);
  const [a] = await waitFor('the first swap run', async () => {
    const l = await jobsOf('swap');
    return l.length === 1 ? l : undefined;
  });
  assert.ok(a);
  await advance('swap', 5 * MIN);
  const now = await jobsOf('swap');
  assert.is(now.length, 1);
  assert.is.not(now[0].metadata.name, a.metadata.name, 'the old run was replaced');

  await c().create('cronjobs', 'default', cronJob('paused', { suspend: true }));
  await advance('paused', 11 * MIN);
  assert.equal(await jobsOf('paused'), []);

  // The clock at half past an hour when the CronJob comes (its first look), then 100 minutes on
  // (ten past): each look is minutes after the newest hour mark, past the 10 s deadline.
  clock = Math.ceil(clock / (60 * MIN)) * 60 * MIN + 30 * MIN;
  await c().create(
    'cronjobs',
    'default',
    cronJob('late', { startingDeadlineSeconds: 10, schedule: '0 * * * *' }),
  );
  await advance('late', 100 * MIN);
  assert.equal(await jobsOf('late'), []);
});

test.run();
