// Which claim and volume changes retry the pods VolumeBinding parked: the ones that can change
// its verdict, and no others (a status-only write must not retry the whole queue).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { claimMayUnblock, volumeMayUnblock } from '../../../hub/scheduler/volume-events.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../shared/api/volumes.js';

const claim = (o: { phase?: string; volumeName?: string; deleting?: boolean; label?: string } = {}) =>
  ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: 'c',
      namespace: 'default',
      labels: o.label ? { l: o.label } : {},
      ...(o.deleting ? { deletionTimestamp: '2026-12-03T00:00:00Z' } : {}),
    },
    spec: { ...(o.volumeName ? { volumeName: o.volumeName } : {}) },
    status: { phase: o.phase ?? 'Pending' },
  }) as PersistentVolumeClaim;

const volume = (o: { phase?: string; claim?: string; zone?: string; label?: string } = {}) =>
  ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'v', labels: o.label ? { l: o.label } : {} },
    spec: {
      capacity: { storage: '1Gi' },
      ...(o.claim ? { claimRef: { namespace: 'default', name: o.claim } } : {}),
      ...(o.zone
        ? {
            nodeAffinity: {
              required: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: 'zone', operator: 'In', values: [o.zone] }] },
                ],
              },
            },
          }
        : {}),
    },
    status: { phase: o.phase ?? 'Available' },
  }) as PersistentVolume;

test('claims: appear, go, bind, start deleting -> retry; a label or nothing changed -> no retry', () => {
  const cases: [string, boolean, boolean][] = [
    ['added', claimMayUnblock('ADDED', claim()), true],
    ['deleted', claimMayUnblock('DELETED', claim()), true],
    ['bound', claimMayUnblock('MODIFIED', claim({ phase: 'Bound', volumeName: 'v' }), claim()), true],
    ['volume named', claimMayUnblock('MODIFIED', claim({ volumeName: 'v' }), claim()), true],
    ['deleting', claimMayUnblock('MODIFIED', claim({ deleting: true }), claim()), true],
    ['label only', claimMayUnblock('MODIFIED', claim({ label: 'x' }), claim()), false],
    ['same', claimMayUnblock('MODIFIED', claim(), claim()), false],
  ];
  for (const [what, got, want] of cases) assert.is(got, want, what);
});

test('volumes: binding, phase or node affinity changed -> retry; a label -> no retry', () => {
  const cases: [string, boolean, boolean][] = [
    ['added', volumeMayUnblock('ADDED', volume()), true],
    ['claimed', volumeMayUnblock('MODIFIED', volume({ claim: 'c' }), volume()), true],
    ['phase', volumeMayUnblock('MODIFIED', volume({ phase: 'Bound' }), volume()), true],
    ['affinity', volumeMayUnblock('MODIFIED', volume({ zone: 'b' }), volume({ zone: 'a' })), true],
    ['label only', volumeMayUnblock('MODIFIED', volume({ label: 'x' }), volume()), false],
  ];
  for (const [what, got, want] of cases) assert.is(got, want, what);
});

test.run();
