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

interface Swagger {
  swagger: string;
  paths: Record<string, Record<string, { consumes?: string[] }>>;
  definitions: Record<
    string,
    { properties?: Record<string, unknown>; 'x-kubernetes-group-version-kind'?: unknown }
  >;
}

test('/openapi/v2 is Swagger 2.0 from the same schemas; PATCH lists no strategic merge (kubectl keeps its built-in patches)', async () => {
  const res = await fetch(`${t.api.url}/openapi/v2`, { headers: { accept: 'application/json' } });
  assert.is(res.status, 200);
  const doc = (await res.json()) as Swagger;
  assert.is(doc.swagger, '2.0');
  const dep = doc.definitions['dev.drover.apps.v1.Deployment'];
  assert.equal(dep['x-kubernetes-group-version-kind'], [
    { group: 'apps', version: 'v1', kind: 'Deployment' },
  ]);
  assert.ok(dep.properties?.spec, 'spec is described');
  const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  assert.ok(patch.consumes?.includes('application/merge-patch+json'));
  assert.not.ok(patch.consumes?.includes('application/strategic-merge-patch+json'));
  // int-or-string is written as Swagger 2.0 can say it.
  const strategy = JSON.stringify(dep.properties?.spec);
  assert.match(strategy, /"maxSurge":\{[^}]*"type":"string","format":"int-or-string"/);
});

test('/openapi/v2 in protobuf only is 406, as kube-apiserver answers a media type it cannot produce', async () => {
  const res = await fetch(`${t.api.url}/openapi/v2`, {
    headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' },
  });
  assert.is(res.status, 406);
  const st = (await res.json()) as { reason: string; message: string };
  assert.is(st.reason, 'NotAcceptable');
  assert.match(st.message, /application\/json/);
});

test.run();
