import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as plugin from '../../../../hub/scheduler/plugins/pod-anti-affinity.js';
import type { Affinity, Pod } from '../../../../shared/api/types.js';
import { ctxFor, info, node, pod, snapshotOf } from '../fixtures.js';

const antiTo = (app: string, topologyKey: string, namespaces?: string[]): Affinity => ({
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [
      { labelSelector: { matchLabels: { app } }, topologyKey, ...(namespaces ? { namespaces } : {}) },
    ],
  },
});

// n1, n2 in zone a; n3 in zone b; n4 has no zone label.
const nodes = [
  node({ name: 'n1', labels: { zone: 'a' } }),
  node({ name: 'n2', labels: { zone: 'a' } }),
  node({ name: 'n3', labels: { zone: 'b' } }),
  node({ name: 'n4' }),
];

const cases: { name: string; existing: Pod[]; incoming: Pod; failing: Record<string, string> }[] = [
  {
    name: 'hostname: not next to a matching pod',
    existing: [pod({ name: 'web-1', labels: { app: 'web' }, nodeName: 'n1' })],
    incoming: pod({
      name: 'web-2',
      labels: { app: 'web' },
      affinity: antiTo('web', 'kubernetes.io/hostname'),
    }),
    failing: { n1: plugin.ERR_REASON_ANTI_AFFINITY },
  },
  {
    name: 'zone: the whole domain is excluded, unlabeled node passes',
    existing: [pod({ name: 'web-1', labels: { app: 'web' }, nodeName: 'n2' })],
    incoming: pod({ name: 'web-2', labels: { app: 'web' }, affinity: antiTo('web', 'zone') }),
    failing: { n1: plugin.ERR_REASON_ANTI_AFFINITY, n2: plugin.ERR_REASON_ANTI_AFFINITY },
  },
  {
    name: 'selector does not match: nothing excluded',
    existing: [pod({ name: 'db-1', labels: { app: 'db' }, nodeName: 'n1' })],
    incoming: pod({
      name: 'web-2',
      labels: { app: 'web' },
      affinity: antiTo('web', 'kubernetes.io/hostname'),
    }),
    failing: {},
  },
  {
    name: 'other namespace does not count by default',
    existing: [pod({ name: 'web-1', namespace: 'other', labels: { app: 'web' }, nodeName: 'n1' })],
    incoming: pod({
      name: 'web-2',
      labels: { app: 'web' },
      affinity: antiTo('web', 'kubernetes.io/hostname'),
    }),
    failing: {},
  },
  {
    name: 'listed namespaces count',
    existing: [pod({ name: 'web-1', namespace: 'other', labels: { app: 'web' }, nodeName: 'n3' })],
    incoming: pod({
      name: 'web-2',
      labels: { app: 'web' },
      affinity: antiTo('web', 'kubernetes.io/hostname', ['other']),
    }),
    failing: { n3: plugin.ERR_REASON_ANTI_AFFINITY },
  },
  {
    name: "symmetric: an existing pod's anti-affinity keeps the incoming pod away",
    existing: [
      pod({ name: 'lonely', labels: { app: 'lonely' }, nodeName: 'n3', affinity: antiTo('web', 'zone') }),
    ],
    incoming: pod({ name: 'web-2', labels: { app: 'web' } }),
    failing: { n3: plugin.ERR_REASON_EXISTING_ANTI_AFFINITY },
  },
];

for (const c of cases) {
  test(`PodAntiAffinity filter: ${c.name}`, () => {
    const snap = snapshotOf(nodes, c.existing);
    const ctx = ctxFor(c.incoming, snap);
    plugin.preFilter(ctx, c.incoming);
    for (const n of nodes) {
      const name = n.metadata.name!;
      const s = plugin.filter(ctx, c.incoming, info(snap, name));
      const want = c.failing[name];
      if (want) assert.equal(s, { code: 'Unschedulable', reasons: [want] }, name);
      else assert.equal(s, { code: 'Success', reasons: [] }, name);
    }
  });
}

test.run();
