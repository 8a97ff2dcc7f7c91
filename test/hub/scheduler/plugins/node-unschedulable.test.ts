import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as plugin from '../../../../hub/scheduler/plugins/node-unschedulable.js';
import type { Toleration } from '../../../../shared/api/types.js';
import { ctxFor, info, node, pod, snapshotOf } from '../fixtures.js';

const cases: { name: string; unschedulable: boolean; tolerations?: Toleration[]; ok: boolean }[] = [
  { name: 'schedulable node', unschedulable: false, ok: true },
  { name: 'cordoned node', unschedulable: true, ok: false },
  {
    name: 'cordoned, tolerated by key+effect',
    unschedulable: true,
    tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
    ok: true,
  },
  {
    name: 'cordoned, tolerated by empty-key Exists',
    unschedulable: true,
    tolerations: [{ operator: 'Exists' }],
    ok: true,
  },
  {
    name: 'cordoned, toleration for another effect',
    unschedulable: true,
    tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }],
    ok: false,
  },
];

for (const c of cases) {
  test(`NodeUnschedulable filter: ${c.name}`, () => {
    const snap = snapshotOf([node({ name: 'n', unschedulable: c.unschedulable })]);
    const p = pod({ name: 'p', tolerations: c.tolerations });
    const s = plugin.filter(ctxFor(p, snap), p, info(snap, 'n'));
    if (c.ok) assert.equal(s, { code: 'Success', reasons: [] });
    else assert.equal(s, { code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were unschedulable'] });
  });
}

test.run();
