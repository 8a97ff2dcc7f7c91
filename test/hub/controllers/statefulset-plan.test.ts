// planStatefulSet (pure): what the StatefulSet controller does next, case by case.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planStatefulSet } from '../../../hub/controllers/statefulset/plan.js';
import { podFor } from '../../../hub/controllers/statefulset/pods.js';
import type { StatefulSet } from '../../../shared/api/statefulset.js';
import type { Pod } from '../../../shared/api/types.js';

function sts(replicas: number, extra: Partial<StatefulSet['spec']> = {}, image = 'app:1'): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'u-1', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      serviceName: 'web',
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } },
      ...extra,
    },
  };
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
function pod(
  set: StatefulSet,
  ordinal: number,
  state: 'ready' | 'pending' | 'failed' | 'terminating' = 'ready',
): Pod {
  const p = podFor(set, ordinal);
  p.metadata.uid = `pod-${ordinal}`;
  if (state === 'terminating') p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  p.status =
    state === 'pending'
      ? { phase: 'Pending' }
      : state === 'failed'
        ? { phase: 'Failed' }
        : {
            phase: 'Running',
            conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(T0).toISOString() }],
          };
  return p;
}
const names = (ps: Pod[]) => ps.map((p) => p.metadata.name);

const s3 = sts(3);
const cases: { name: string; set: StatefulSet; pods: Pod[]; create: number[]; del: string[] }[] = [
  { name: 'OrderedReady: only the lowest missing ordinal', set: s3, pods: [], create: [0], del: [] },
  {
    name: 'OrderedReady: waits while a lower pod is not Ready',
    set: s3,
    pods: [pod(s3, 0, 'pending')],
    create: [],
    del: [],
  },
  {
    name: 'OrderedReady: the next once the lower ones are Ready',
    set: s3,
    pods: [pod(s3, 0)],
    create: [1],
    del: [],
  },
  {
    name: 'Parallel: every missing ordinal at once',
    set: sts(3, { podManagementPolicy: 'Parallel' }),
    pods: [],
    create: [0, 1, 2],
    del: [],
  },
  {
    name: 'a failed pod is deleted to be made again',
    set: s3,
    pods: [pod(s3, 0), pod(s3, 1, 'failed')],
    create: [],
    del: ['web-1'],
  },
  {
    name: 'scale down: the highest ordinal first, one at a time',
    set: sts(1),
    pods: [pod(s3, 0), pod(s3, 1), pod(s3, 2)],
    create: [],
    del: ['web-2'],
  },
  {
    name: 'scale down waits for the one terminating',
    set: sts(1),
    pods: [pod(s3, 0), pod(s3, 1), pod(s3, 2, 'terminating')],
    create: [],
    del: [],
  },
  {
    name: 'rolling update: the highest stale pod',
    set: sts(3, {}, 'app:2'),
    pods: [pod(s3, 0), pod(s3, 1), pod(s3, 2)],
    create: [],
    del: ['web-2'],
  },
  {
    name: 'rolling update: pods below the partition stay',
    set: sts(3, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } }, 'app:2'),
    pods: [pod(s3, 0), pod(s3, 1), pod(sts(3, {}, 'app:2'), 2)],
    create: [],
    del: [],
  },
  {
    name: 'OnDelete: stale pods stay',
    set: sts(3, { updateStrategy: { type: 'OnDelete' } }, 'app:2'),
    pods: [pod(s3, 0), pod(s3, 1), pod(s3, 2)],
    create: [],
    del: [],
  },
];

for (const c of cases)
  test(c.name, () => {
    const plan = planStatefulSet(c.set, c.pods, T0 + 60_000);
    assert.equal(plan.create, c.create);
    assert.equal(names(plan.delete), c.del);
  });

test('status: ready, updated and current counts and revisions', () => {
  const next = sts(3, {}, 'app:2');
  const plan = planStatefulSet(
    { ...next, status: { replicas: 3, currentRevision: 'web-old' } },
    [pod(s3, 0), pod(s3, 1), pod(next, 2, 'pending')],
    T0 + 60_000,
  );
  assert.is(plan.status.replicas, 3);
  assert.is(plan.status.readyReplicas, 2);
  assert.is(plan.status.updatedReplicas, 1);
  assert.is(plan.status.currentRevision, 'web-old');
  assert.is(plan.status.updateRevision, podFor(next, 2).metadata.labels?.['controller-revision-hash']);
  const done = planStatefulSet(next, [pod(next, 0), pod(next, 1), pod(next, 2)], T0 + 60_000);
  assert.is(done.status.currentRevision, done.status.updateRevision);
  assert.is(done.status.currentReplicas, 3);
});

test('pods: stable name, hostname and subdomain, labels, one claim per template', () => {
  const set = sts(1, {
    volumeClaimTemplates: [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data' },
        spec: { accessModes: ['ReadWriteOnce'] },
      },
    ],
  });
  const p = podFor(set, 0);
  assert.is(p.metadata.name, 'web-0');
  assert.equal([p.spec.hostname, p.spec.subdomain], ['web-0', 'web']);
  assert.is(p.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'web-0');
  assert.is(p.metadata.labels?.['apps.kubernetes.io/pod-index'], '0');
  assert.equal(p.spec.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } }]);
  assert.equal(p.metadata.ownerReferences?.[0].kind, 'StatefulSet');
});

test.run();
