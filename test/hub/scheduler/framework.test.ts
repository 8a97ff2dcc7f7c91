// The SKIP contract (framework.ts): a plugin may skip its filter only when the filter would
// pass every node, and its score only when the normalized score would be 0 on every node.
// Checked for every plugin over a mixed set of nodes and pods; the cases also pin which pods
// skip, so the fast path is really taken.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Plugin, SKIP } from '../../../hub/scheduler/framework.js';
import { registry } from '../../../hub/scheduler/registry.js';
import type { Pod } from '../../../shared/api/types.js';
import { ctxFor, node, pod, snapshotOf } from './fixtures.js';

const MiB = 1024 * 1024;
const snap = snapshotOf(
  [
    node({
      name: 'a',
      arch: 'arm64',
      labels: { zone: 'a' },
      images: [{ names: ['app:1'], sizeBytes: 300 * MiB }],
    }),
    node({
      name: 'b',
      arch: 'amd64',
      labels: { zone: 'b' },
      taints: [{ key: 't', effect: 'PreferNoSchedule' }],
    }),
    node({ name: 'c', ready: 'False', unschedulable: true, taints: [{ key: 'x', effect: 'NoSchedule' }] }),
  ],
  [pod({ name: 'web', labels: { app: 'web' }, nodeName: 'a' })],
);

const anti = {
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [
      { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'zone' },
    ],
  },
};
const preferred = {
  nodeAffinity: {
    preferredDuringSchedulingIgnoredDuringExecution: [
      {
        weight: 5,
        preference: { matchExpressions: [{ key: 'zone', operator: 'In' as const, values: ['b'] }] },
      },
    ],
  },
};

/** plugin -> phase -> pod name -> skips? */
const cases: { pod: Pod; skips: Record<string, boolean> }[] = [
  {
    pod: pod({ name: 'plain', image: 'other:1' }),
    skips: {
      'VolumeBinding/preFilter': true, // no claims
      'NodeName/preFilter': true,
      'NodeAffinity/preFilter': true,
      'NodeAffinity/preScore': true,
      'NodeArch/preFilter': true,
      'PodAntiAffinity/preFilter': true,
      'ImageLocality/preScore': true,
    },
  },
  {
    pod: pod({
      name: 'picky',
      image: 'app:1',
      nodeName: 'a',
      nodeSelector: { zone: 'a' },
      annotations: { 'drover.io/image-platforms': 'linux/arm64' },
      labels: { app: 'web' },
      affinity: { ...anti, ...preferred },
    }),
    skips: {
      'VolumeBinding/preFilter': true, // no claims
      'NodeName/preFilter': false,
      'NodeAffinity/preFilter': false,
      'NodeAffinity/preScore': false,
      'NodeArch/preFilter': false,
      'PodAntiAffinity/preFilter': false,
      'ImageLocality/preScore': false,
    },
  },
];

function phases(p: Plugin): string[] {
  const out: string[] = [];
  if (p.preFilter) out.push(`${p.name}/preFilter`);
  if (p.preScore) out.push(`${p.name}/preScore`);
  return out;
}

for (const c of cases) {
  for (const plugin of registry.values()) {
    for (const phase of phases(plugin)) {
      test(`${phase} for pod ${c.pod.metadata.name}`, () => {
        const ctx = ctxFor(c.pod, snap);
        const nodes = snap.nodeInfos();
        if (phase.endsWith('/preFilter')) {
          const skipped = plugin.preFilter!(ctx, c.pod) === SKIP;
          assert.is(skipped, c.skips[phase] ?? false);
          if (skipped)
            for (const n of nodes) assert.is(plugin.filter!(ctx, c.pod, n).code, 'Success', n.name);
        } else {
          const skipped = plugin.preScore!(ctx, c.pod, nodes) === SKIP;
          assert.is(skipped, c.skips[phase] ?? false);
          if (skipped) {
            const scores = nodes.map((n) => plugin.score!(ctx, c.pod, n));
            plugin.normalizeScore?.(ctx, c.pod, scores);
            assert.equal(
              scores,
              nodes.map(() => 0),
            );
          }
        }
      });
    }
  }
}

test.run();
