// VolumeBinding filter: the pod's claims against the snapshot's claims and volumes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as plugin from '../../../../hub/scheduler/plugins/volume-binding.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../../shared/api/volumes.js';
import { ctxFor, info, node, pod, snapshotOf } from '../fixtures.js';

const claim = (o: { phase?: string; volumeName?: string; deleting?: boolean }): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: {
    name: 'data',
    namespace: 'default',
    ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
  },
  spec: { volumeName: o.volumeName },
  status: { phase: o.phase ?? 'Pending' },
});

const local = (host?: string): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pv-1' },
  spec: {
    local: { path: '/mnt/disk' },
    ...(host
      ? {
          nodeAffinity: {
            required: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [host] }] },
              ],
            },
          },
        }
      : {}),
  },
});

const cases: {
  name: string;
  pvc?: PersistentVolumeClaim;
  pv?: PersistentVolume;
  /** Per node a / b: undefined = fits, else the reason. */
  want: [string | undefined, string | undefined];
}[] = [
  {
    name: 'missing claim: no node',
    want: ['persistentvolumeclaim "data" not found', 'persistentvolumeclaim "data" not found'],
  },
  {
    name: 'unbound claim: no node',
    pvc: claim({}),
    want: [
      'pod has unbound immediate PersistentVolumeClaims',
      'pod has unbound immediate PersistentVolumeClaims',
    ],
  },
  {
    name: 'claim being deleted: no node',
    pvc: claim({ phase: 'Bound', volumeName: 'pv-1', deleting: true }),
    pv: local('b'),
    want: ['persistentvolumeclaim "data" is being deleted', 'persistentvolumeclaim "data" is being deleted'],
  },
  {
    name: 'bound to a local volume pinned to b: only b',
    pvc: claim({ phase: 'Bound', volumeName: 'pv-1' }),
    pv: local('b'),
    want: ['node(s) had volume node affinity conflict', undefined],
  },
  {
    name: 'bound to a volume without node affinity: any node',
    pvc: claim({ phase: 'Bound', volumeName: 'pv-1' }),
    pv: local(),
    want: [undefined, undefined],
  },
];

for (const c of cases) {
  test(`VolumeBinding filter: ${c.name}`, () => {
    const snap = snapshotOf([node({ name: 'a' }), node({ name: 'b' })]);
    if (c.pvc) snap.setClaim(c.pvc);
    if (c.pv) snap.setVolume(c.pv);
    const p = pod({ name: 'p' });
    p.spec.volumes = [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }];
    const ctx = ctxFor(p, snap);
    assert.is(plugin.preFilter(ctx, p), undefined);
    c.want.forEach((reason, i) => {
      const s = plugin.filter(ctx, p, info(snap, i === 0 ? 'a' : 'b'));
      if (!reason) assert.is(s.code, 'Success');
      else assert.equal(s, { code: 'UnschedulableAndUnresolvable', reasons: [reason] });
    });
  });
}

test('VolumeBinding filter: a pod without claims skips', () => {
  const snap = snapshotOf([node({ name: 'a' })]);
  const p = pod({ name: 'p' });
  assert.is(plugin.preFilter(ctxFor(p, snap), p), 'Skip');
});

test.run();
