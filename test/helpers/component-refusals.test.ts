import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { componentRefusals } from './component-refusals.js';
import { cleanupTempDirs, tempDir } from './tmp.js';

const entry = (user: string, code: number) =>
  JSON.stringify({ user, verb: 'create', resource: 'pods', code, userAgent: 'in-process' });

test('an audit log cut short by a full disk: the entry after the fragment is still read', () => {
  const dir = tempDir('drover-refusals-');
  const cut = entry('system:serviceaccount:kube-system:a', 200).slice(0, 40);
  writeFileSync(
    join(dir, 'audit.log'),
    [
      entry('system:serviceaccount:kube-system:a', 403),
      `${cut}${entry('system:serviceaccount:kube-system:b', 403)}`, // the next write continued the cut line
      `${cut}"userAgent":"in-process"`, // a fragment alone
      entry('system:serviceaccount:kube-system:c', 201),
      '',
    ].join('\n'),
  );
  assert.equal(
    componentRefusals(dir).map((r) => r.user),
    ['system:serviceaccount:kube-system:a', 'system:serviceaccount:kube-system:b'],
  );
  assert.equal(componentRefusals(dir, ['system:serviceaccount:kube-system:b']).length, 1);
});

test.after(cleanupTempDirs);
test.run();
