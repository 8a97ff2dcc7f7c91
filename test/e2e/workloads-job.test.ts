// batch/v1 Jobs on real agents and the real Docker engine (issue #11 item 4): a Job of 3
// completions, 2 at a time, completes (`kubectl wait --for=condition=complete`, `kubectl logs
// job/x`); a failing Job spends its backoffLimit (the backoff between tries 1 s here, through
// the hub's --job-backoff-base; 10 s by default, job-plan.test.ts) and fails with
// BackoffLimitExceeded; ttlSecondsAfterFinished removes a finished Job and its pods;
// `kubectl create job|cronjob` (protobuf bodies) work.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Job } from '../../shared/api/batch.js';
import type { Pod } from '../../shared/api/types.js';
import { getJson } from '../helpers/api.js';
import { waitFor } from '../helpers/wait.js';
import { IMAGE } from './pods-harness.js';
import { WorkloadCluster } from './workloads-harness.js';

const c = new WorkloadCluster([{ name: 'jb-a' }, { name: 'jb-b' }], [], [], ['--job-backoff-base', '1s']);

test.before(() => c.start());
test.after(() => c.stop());

function jobYaml(o: {
  name: string;
  command: string;
  completions: number;
  parallelism: number;
  extra?: string;
}): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${o.name}
spec:
  completions: ${o.completions}
  parallelism: ${o.parallelism}
${o.extra ?? ''}  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: ${IMAGE}
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", ${JSON.stringify(o.command)}]
`;
}

async function job(name: string): Promise<Job> {
  return getJson<Job>(c.hub.apiUrl, `/apis/batch/v1/namespaces/default/jobs/${name}`);
}

async function jobPods(name: string): Promise<Pod[]> {
  return c.pods(`batch.kubernetes.io/job-name=${name}`);
}

test('a Job of 3 completions, 2 at a time, completes; kubectl wait, get and logs', async () => {
  assert.is(
    (
      await c.apply(
        jobYaml({ name: 'work', command: 'echo did-the-work; sleep 1', completions: 3, parallelism: 2 }),
      )
    ).code,
    0,
  );
  const w = await c.k(['wait', '--for=condition=complete', 'job/work', '--timeout=90s'], 100_000);
  assert.is(w.code, 0, `${w.stdout}${w.stderr}\n${c.tails()}`);
  const j = await job('work');
  assert.equal(
    { succeeded: j.status?.succeeded, failed: j.status?.failed, active: j.status?.active },
    { succeeded: 3, failed: 0, active: 0 },
  );
  assert.ok(j.status?.completionTime, 'completionTime set');
  const pods = await jobPods('work');
  assert.is(pods.length, 3, 'exactly 3 pods, no extras');
  assert.ok(pods.every((p) => p.status?.phase === 'Succeeded'));
  const get = await c.k(['get', 'job', 'work']);
  assert.match(get.stdout, /work\s+Complete\s+3\/3/);
  const logs = await c.k(['logs', 'job/work']);
  assert.is(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /did-the-work/);
});

test('a failing Job spends backoffLimit 1 and fails with BackoffLimitExceeded, nothing left running', async () => {
  assert.is(
    (
      await c.apply(
        jobYaml({
          name: 'broken',
          command: 'exit 3',
          completions: 1,
          parallelism: 1,
          extra: '  backoffLimit: 1\n',
        }),
      )
    ).code,
    0,
  );
  const w = await c.k(['wait', '--for=condition=failed', 'job/broken', '--timeout=90s'], 100_000);
  assert.is(w.code, 0, `${w.stdout}${w.stderr}\n${c.tails()}`);
  const j = await job('broken');
  const cond = j.status?.conditions?.find((x) => x.type === 'Failed');
  assert.is(cond?.reason, 'BackoffLimitExceeded');
  assert.is(j.status?.failed, 2, 'the first try and one retry');
  const pods = await jobPods('broken');
  assert.is(pods.length, 2);
  assert.ok(pods.every((p) => p.status?.phase === 'Failed'));
});

test('ttlSecondsAfterFinished deletes the finished Job and its pods', async () => {
  assert.is(
    (
      await c.apply(
        jobYaml({
          name: 'brief',
          command: 'true',
          completions: 1,
          parallelism: 1,
          extra: '  ttlSecondsAfterFinished: 2\n',
        }),
      )
    ).code,
    0,
  );
  await waitFor(async () => (await c.k(['get', 'job', 'brief'])).code !== 0, {
    timeoutMs: 60_000,
    what: 'the Job to be gone after its TTL',
  });
  await waitFor(async () => (await jobPods('brief')).length === 0, {
    timeoutMs: 30_000,
    what: 'its pods to be gone',
  });
});

test('kubectl create job and create cronjob (protobuf bodies): the Job runs to completion, the CronJob keeps its schedule and template', async () => {
  const made = await c.k([
    'create',
    'job',
    'made',
    `--image=${IMAGE}`,
    '--',
    'sh',
    '-c',
    'echo made-by-create',
  ]);
  assert.is(made.code, 0, made.stderr);
  const w = await c.k(['wait', '--for=condition=complete', 'job/made', '--timeout=90s'], 100_000);
  assert.is(w.code, 0, `${w.stdout}${w.stderr}\n${c.tails()}`);
  const logs = await c.k(['logs', 'job/made']);
  assert.match(logs.stdout, /made-by-create/);
  const j = await job('made');
  assert.is(j.spec.template.spec.restartPolicy, 'Never');
  assert.equal(j.spec.template.spec.containers[0].command, ['sh', '-c', 'echo made-by-create']);
  const cron = await c.k([
    'create',
    'cronjob',
    'nightly',
    `--image=${IMAGE}`,
    '--schedule=0 3 * * *',
    '--',
    'true',
  ]);
  assert.is(cron.code, 0, cron.stderr);
  const get = await c.k([
    'get',
    'cronjob',
    'nightly',
    '-o',
    'jsonpath={.spec.schedule} {.spec.jobTemplate.spec.template.spec.restartPolicy} {.spec.jobTemplate.spec.template.spec.containers[0].command}',
  ]);
  assert.is(get.stdout, '0 3 * * * OnFailure ["true"]');
  assert.is((await c.k(['delete', 'cronjob', 'nightly'])).code, 0);
});

test.run();
