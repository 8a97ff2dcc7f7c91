// The Job's decisions (upstream syncJob), table-driven over pods in every phase.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planJob } from '../../../hub/controllers/job/plan.js';
import type { Job } from '../../../shared/api/batch.js';
import type { Pod } from '../../../shared/api/types.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function job(spec: Partial<Job['spec']> = {}, status?: Job['status']): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'default', uid: 'u' },
    spec: {
      completions: 3,
      parallelism: 2,
      backoffLimit: 2,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

function pod(name: string, phase: string, o: { finishedAgoMs?: number; restarts?: number } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', creationTimestamp: iso(NOW - 60_000) },
    spec: { containers: [{ name: 'c', image: 'x' }] },
    status: {
      phase,
      containerStatuses: [
        {
          name: 'c',
          restartCount: o.restarts ?? 0,
          state:
            o.finishedAgoMs !== undefined
              ? { terminated: { exitCode: 1, finishedAt: iso(NOW - o.finishedAgoMs) } }
              : {},
        },
      ],
    },
  } as unknown as Pod;
}

const cases: {
  name: string;
  job: Job;
  pods: Pod[];
  want: { create: number; remove: number; condition?: string; reason?: string; requeueAfterMs?: number };
}[] = [
  { name: 'a new job starts parallelism pods', job: job(), pods: [], want: { create: 2, remove: 0 } },
  {
    name: 'never more than the completions still needed',
    job: job(),
    pods: [pod('a', 'Succeeded'), pod('b', 'Succeeded'), pod('c', 'Running')],
    want: { create: 0, remove: 0 },
  },
  {
    name: 'enough successes complete it and stop what runs',
    job: job({ completions: 2 }),
    pods: [pod('a', 'Succeeded'), pod('b', 'Succeeded'), pod('c', 'Running')],
    want: { create: 0, remove: 1, condition: 'Complete' },
  },
  {
    name: 'failures past backoffLimit fail it',
    job: job(),
    pods: [
      pod('a', 'Failed', { finishedAgoMs: 1 }),
      pod('b', 'Failed', { finishedAgoMs: 1 }),
      pod('c', 'Failed', { finishedAgoMs: 1 }),
      pod('d', 'Running'),
    ],
    want: { create: 0, remove: 1, condition: 'Failed', reason: 'BackoffLimitExceeded' },
  },
  {
    name: 'container restarts count under OnFailure',
    job: job({ template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'x' }] } } }),
    pods: [pod('a', 'Running', { restarts: 3 })],
    want: { create: 0, remove: 1, condition: 'Failed', reason: 'BackoffLimitExceeded' },
  },
  {
    name: 'a replacement after a failure waits out the backoff (10 s after one failure)',
    job: job({ parallelism: 1 }),
    pods: [pod('a', 'Failed', { finishedAgoMs: 4000 })],
    want: { create: 0, remove: 0, requeueAfterMs: 6000 },
  },
  {
    name: 'after the backoff the replacement is created',
    job: job({ parallelism: 1 }),
    pods: [pod('a', 'Failed', { finishedAgoMs: 11_000 })],
    want: { create: 1, remove: 0 },
  },
  {
    name: 'the deadline fails it',
    job: job({ activeDeadlineSeconds: 30 }, { startTime: iso(NOW - 31_000) }),
    pods: [pod('a', 'Running')],
    want: { create: 0, remove: 1, condition: 'Failed', reason: 'DeadlineExceeded' },
  },
  {
    name: 'suspended: no pods, running ones stop',
    job: job({ suspend: true }),
    pods: [pod('a', 'Running')],
    want: { create: 0, remove: 1, condition: 'Suspended' },
  },
  {
    name: 'a finished job only stops stragglers',
    job: job({}, { conditions: [{ type: 'Complete', status: 'True' }] }),
    pods: [pod('a', 'Running')],
    want: { create: 0, remove: 1, condition: 'Complete' },
  },
];

for (const c of cases)
  test(`planJob: ${c.name}`, () => {
    const p = planJob(c.job, c.pods, NOW);
    const cond = p.status.conditions?.find((x) => x.status === 'True');
    assert.equal(
      {
        create: p.create,
        remove: p.remove.length,
        ...(cond ? { condition: cond.type } : {}),
        ...(cond?.reason && c.want.reason ? { reason: cond.reason } : {}),
        ...(c.want.requeueAfterMs !== undefined ? { requeueAfterMs: p.requeueAfterMs } : {}),
      },
      c.want,
    );
  });

test("planJob: the backoff base is an option (the hub's --job-backoff-base); it doubles per failure", () => {
  // finishedAt has whole seconds.
  const one = [pod('a', 'Failed', { finishedAgoMs: 1000 })];
  assert.is(planJob(job({ parallelism: 1 }), one, NOW, 3000).requeueAfterMs, 2000);
  const two = [pod('a', 'Failed', { finishedAgoMs: 2000 }), pod('b', 'Failed', { finishedAgoMs: 2000 })];
  assert.is(planJob(job({ parallelism: 1 }), two, NOW, 3000).requeueAfterMs, 4000, '2 x 3 s after two');
  assert.is(planJob(job({ parallelism: 1 }), one, NOW, 500).create, 1, 'past a 500 ms backoff');
});

test('planJob: counts in status, startTime set once', () => {
  const p = planJob(
    job(),
    [pod('a', 'Succeeded'), pod('b', 'Failed', { finishedAgoMs: 60_000 }), pod('c', 'Running')],
    NOW,
  );
  assert.equal(
    {
      active: p.status.active,
      succeeded: p.status.succeeded,
      failed: p.status.failed,
      startTime: p.status.startTime,
    },
    { active: 1, succeeded: 1, failed: 1, startTime: iso(NOW) },
  );
  const later = planJob(job({}, { startTime: '2026-12-02T11:00:00Z' }), [], NOW);
  assert.is(later.status.startTime, '2026-12-02T11:00:00Z');
});

test.run();
