import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as plugin from '../../../../hub/scheduler/plugins/node-name.js';
import { ctxFor, info, node, pod, snapshotOf } from '../fixtures.js';

const cases: { nodeName?: string; ok: boolean }[] = [
  { ok: true },
  { nodeName: 'n', ok: true },
  { nodeName: 'other', ok: false },
];

for (const c of cases) {
  test(`NodeName filter: spec.nodeName=${c.nodeName ?? '(unset)'}`, () => {
    const snap = snapshotOf([node({ name: 'n' })]);
    const p = pod({ name: 'p', nodeName: c.nodeName });
    const s = plugin.filter(ctxFor(p, snap), p, info(snap, 'n'));
    if (c.ok) assert.is(s.code, 'Success');
    else
      assert.equal(s, {
        code: 'UnschedulableAndUnresolvable',
        reasons: ["node(s) didn't match the requested node name"],
      });
  });
}

test.run();
