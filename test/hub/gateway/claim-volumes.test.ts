// Claim volumes as the board gets them: a Bound claim's hostPath or local volume becomes a
// hostPath, anything else stays a claim (the agent refuses it, naming the claim).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ClaimLookup, resolveClaimVolumes } from '../../../hub/gateway/claim-volumes.js';
import type { Pod } from '../../../shared/api/types.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../shared/api/volumes.js';

const claim = (phase: string, volumeName?: string): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'ns' },
  spec: { volumeName },
  status: { phase },
});

const volume = (spec: Partial<PersistentVolume['spec']>, claimName = 'data'): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pv-1' },
  spec: { claimRef: { namespace: 'ns', name: claimName }, ...spec },
});

const pod = (readOnly?: boolean): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns' },
  spec: {
    containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'v', mountPath: '/data' }] }],
    volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data', readOnly } }],
  },
});

const lookup = (pvc?: PersistentVolumeClaim, pv?: PersistentVolume): ClaimLookup => ({
  claim: (ns, name) => (pvc && ns === 'ns' && name === pvc.metadata.name ? pvc : undefined),
  volume: (name) => (pv && name === pv.metadata.name ? pv : undefined),
});

const cases: {
  name: string;
  pvc?: PersistentVolumeClaim;
  pv?: PersistentVolume;
  readOnly?: boolean;
  want?: { path: string; type?: string };
  mountReadOnly?: boolean;
}[] = [
  {
    name: 'bound to a hostPath volume',
    pvc: claim('Bound', 'pv-1'),
    pv: volume({ hostPath: { path: '/srv/a', type: 'DirectoryOrCreate' } }),
    want: { path: '/srv/a', type: 'DirectoryOrCreate' },
  },
  {
    name: 'bound to a local volume: the path must exist',
    pvc: claim('Bound', 'pv-1'),
    pv: volume({ local: { path: '/mnt/disk' } }),
    want: { path: '/mnt/disk', type: 'Directory' },
  },
  {
    name: 'readOnly claim: every mount read-only',
    pvc: claim('Bound', 'pv-1'),
    pv: volume({ hostPath: { path: '/srv/a' } }),
    readOnly: true,
    want: { path: '/srv/a', type: undefined },
    mountReadOnly: true,
  },
  { name: 'missing claim', pv: volume({ hostPath: { path: '/srv/a' } }) },
  { name: 'claim Pending', pvc: claim('Pending') },
  { name: 'claim Bound to a missing volume', pvc: claim('Bound', 'pv-1') },
  {
    name: 'volume bound to another claim',
    pvc: claim('Bound', 'pv-1'),
    pv: volume({ hostPath: { path: '/srv/a' } }, 'other'),
  },
  {
    name: 'a source not on the board (nfs)',
    pvc: claim('Bound', 'pv-1'),
    pv: volume({ nfs: { server: 'x', path: '/e' } }),
  },
];

for (const c of cases) {
  test(c.name, () => {
    const p = pod(c.readOnly);
    const out = resolveClaimVolumes(p, lookup(c.pvc, c.pv));
    const v = out.spec.volumes![0];
    if (!c.want) {
      assert.is(out, p, 'unresolved: the pod goes as it is');
      assert.equal(v.persistentVolumeClaim?.claimName, 'data');
      return;
    }
    assert.equal(v, { name: 'v', hostPath: c.want });
    assert.is(out.spec.containers[0].volumeMounts![0].readOnly, c.mountReadOnly);
    assert.is(p.spec.volumes![0].hostPath, undefined, 'the stored pod is not changed');
  });
}

test.run();
