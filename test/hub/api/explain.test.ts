// `kubectl explain` (issue #17 item 3) reads the kinds' schemas from /openapi/v3: fields and
// their types for every served kind, nested paths included, and a clear error for a field
// that does not exist.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kubectl as kubectlWith, writeKubeconfig } from '../controllers/fixtures.js';
import { startApi, type TestApi } from './helpers.js';

let t: TestApi;
let kubeconfig: string;

test.before(async () => {
  t = await startApi();
  kubeconfig = writeKubeconfig(t);
});
test.after(async () => t.stop());

const rows: [string, RegExp[]][] = [
  [
    'deployment.spec.strategy',
    [
      /KIND:\s+Deployment/,
      /GROUP:\s+apps\nKIND:\s+Deployment\nVERSION:\s+v1/,
      /rollingUpdate\s+<Object>/,
      /type\s+<string>/,
    ],
  ],
  ['pods.spec.containers', [/KIND:\s+Pod/, /image\s+<string>/, /ports\s+<\[\]Object>/]],
  ['configmap', [/KIND:\s+ConfigMap/, /data\s+<map\[string\]string>/]],
  ['jobs.spec', [/GROUP:\s+batch/, /backoffLimit\s+<integer>/]],
];

for (const [what, want] of rows)
  test(`kubectl explain ${what}`, async () => {
    const r = await kubectlWith(kubeconfig, 'explain', what);
    assert.is(r.code, 0, r.err);
    for (const re of want) assert.match(r.out, re, `${what}: ${re}\n${r.out}`);
  });

test('kubectl explain of a field that does not exist says so', async () => {
  const r = await kubectlWith(kubeconfig, 'explain', 'deployment.spec.nosuch');
  assert.is.not(r.code, 0);
  assert.match(r.err, /field "nosuch" does not exist/);
});

test.run();
