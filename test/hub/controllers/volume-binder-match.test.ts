// pickVolume (pure): which PersistentVolume a claim binds to, case by case.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pickVolume } from '../../../hub/controllers/volume-binder/match.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../shared/api/volumes.js';

function pv(
  name: string,
  size: string,
  extra: Partial<PersistentVolume['spec']> = {},
  labels?: Record<string, string>,
): PersistentVolume {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteOnce'],
      hostPath: { path: `/data/${name}` },
      ...extra,
    },
    status: { phase: 'Available' },
  };
}

function pvc(size: string, extra: Partial<PersistentVolumeClaim['spec']> = {}): PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'default', uid: 'u-1' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, ...extra },
  };
}

const ref = { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data' };

const cases: { name: string; claim: PersistentVolumeClaim; volumes: PersistentVolume[]; want?: string }[] = [
  {
    name: 'the smallest volume that is big enough',
    claim: pvc('1Gi'),
    volumes: [pv('big', '10Gi'), pv('small', '500Mi'), pv('fit', '2Gi')],
    want: 'fit',
  },
  { name: 'none big enough: no volume', claim: pvc('20Gi'), volumes: [pv('big', '10Gi')] },
  {
    name: 'storage class must be equal (none = none)',
    claim: pvc('1Gi', { storageClassName: 'fast' }),
    volumes: [pv('plain', '1Gi'), pv('fast', '5Gi', { storageClassName: 'fast' })],
    want: 'fast',
  },
  {
    name: 'every access mode asked must be offered',
    claim: pvc('1Gi', { accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] }),
    volumes: [pv('rwo', '1Gi'), pv('both', '2Gi', { accessModes: ['ReadOnlyMany', 'ReadWriteOnce'] })],
    want: 'both',
  },
  {
    name: 'volume mode must be equal',
    claim: pvc('1Gi', { volumeMode: 'Block' }),
    volumes: [pv('fs', '1Gi', { volumeMode: 'Filesystem' })],
  },
  {
    name: 'the selector picks by label',
    claim: pvc('1Gi', { selector: { matchLabels: { disk: 'ssd' } } }),
    volumes: [pv('hdd', '1Gi', {}, { disk: 'hdd' }), pv('ssd', '8Gi', {}, { disk: 'ssd' })],
    want: 'ssd',
  },
  {
    name: 'a volume claimed by another claim is not taken',
    claim: pvc('1Gi'),
    volumes: [pv('taken', '1Gi', { claimRef: { ...ref, name: 'other', uid: 'u-2' } })],
  },
  {
    name: 'a volume pre-bound to this claim wins over a smaller one',
    claim: pvc('1Gi'),
    volumes: [pv('small', '1Gi'), pv('mine', '4Gi', { claimRef: ref })],
    want: 'mine',
  },
  {
    name: "the claim's volumeName is the only candidate",
    claim: pvc('1Gi', { volumeName: 'named' }),
    volumes: [pv('small', '1Gi'), pv('named', '4Gi')],
    want: 'named',
  },
  {
    name: 'of equal sizes, the first by name, whatever the order',
    claim: pvc('1Gi'),
    volumes: [pv('b', '2Gi'), pv('c', '1Gi'), pv('a', '1Gi')],
    want: 'a',
  },
  {
    name: 'a volume not yet Available is not taken',
    claim: pvc('1Gi'),
    volumes: [{ ...pv('new', '1Gi'), status: { phase: 'Pending' } }],
  },
];

for (const c of cases)
  test(c.name, () => {
    assert.is(pickVolume(c.claim, c.volumes)?.metadata.name, c.want);
  });

test.run();
