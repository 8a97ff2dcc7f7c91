import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as plugin from '../../../../hub/scheduler/plugins/node-ready.js';
import { ctxFor, info, node, pod, snapshotOf } from '../fixtures.js';

const cases: { ready: 'True' | 'False' | 'Unknown' | 'absent'; code: string; reasons: string[] }[] = [
  { ready: 'True', code: 'Success', reasons: [] },
  { ready: 'False', code: 'Unschedulable', reasons: ['node(s) were not ready'] },
  { ready: 'Unknown', code: 'Unschedulable', reasons: ['node(s) were not ready'] },
  { ready: 'absent', code: 'Unschedulable', reasons: ['node(s) were not ready'] },
];

for (const c of cases) {
  test(`NodeReady filter: Ready=${c.ready}`, () => {
    const snap = snapshotOf([node({ name: 'n', ready: c.ready })]);
    const p = pod({ name: 'p' });
    assert.equal(plugin.filter(ctxFor(p, snap), p, info(snap, 'n')), { code: c.code, reasons: c.reasons });
  });
}

test.run();
