// Server-side apply (issue #17 item 1) with the real kubectl and over HTTP: apply creates, a
// second manager's different value is a 409 naming the field and its manager and changes
// nothing, --force-conflicts takes it over, a field its only manager stops applying goes,
// containers merge by name, a client-side-applied object is taken over by --server-side, and
// server dry-run and diff work with apply. Bad requests get clear Status errors.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubeObject, Status } from '../../../shared/api/types.js';
import { kubectl as kubectlWith, writeKubeconfig } from '../controllers/fixtures.js';
import { startApi, type TestApi } from './helpers.js';

let t: TestApi;
let kubeconfig: string;
const CM = '/api/v1/namespaces/default/configmaps';

test.before(async () => {
  t = await startApi();
  kubeconfig = writeKubeconfig(t);
});
test.after(async () => t.stop());

function kubectl(...args: string[]) {
  return kubectlWith(kubeconfig, ...args);
}

let files = 0;
function manifest(text: string): string {
  const f = join(t.dir, `m${files++}.yaml`);
  writeFileSync(f, text);
  return f;
}

type Managed = { manager: string; operation: string; fieldsV1: Record<string, unknown> };
async function get(path: string): Promise<KubeObject & { data?: Record<string, string> }> {
  const res = await fetch(t.api.url + path);
  assert.is(res.status, 200, `GET ${path}`);
  return (await res.json()) as KubeObject;
}
const managers = (o: KubeObject) =>
  ((o.metadata as { managedFields?: Managed[] }).managedFields ?? [])
    .map((e) => `${e.manager}/${e.operation}`)
    .sort();

const cm = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"`)
    .join('\n')}\n`;

test('apply creates, a second manager conflicts (nothing changes), force takes over, dropped fields go', async () => {
  let r = await kubectl('apply', '--server-side', '-f', manifest(cm('ssa', { x: '1', w: '2' })));
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /configmap\/ssa serverside-applied/);
  let o = await get(`${CM}/ssa`);
  assert.equal(o.data, { x: '1', w: '2' });
  assert.equal(managers(o), ['kubectl/Apply']);
  const rv = o.metadata.resourceVersion;

  r = await kubectl('apply', '--server-side', '--field-manager=ops', '-f', manifest(cm('ssa', { x: 'ops' })));
  assert.is.not(r.code, 0, 'a conflicting apply fails');
  assert.match(r.err, /conflict with "kubectl"/);
  assert.match(r.err, /\.data\.x/);
  o = await get(`${CM}/ssa`);
  assert.is(o.metadata.resourceVersion, rv, 'the refused apply wrote nothing');

  r = await kubectl(
    'apply',
    '--server-side',
    '--field-manager=ops',
    '--force-conflicts',
    '-f',
    manifest(cm('ssa', { x: 'ops' })),
  );
  assert.is(r.code, 0, r.err);
  o = await get(`${CM}/ssa`);
  assert.equal(o.data, { x: 'ops', w: '2' });
  assert.equal(managers(o), ['kubectl/Apply', 'ops/Apply']);

  // kubectl's configuration no longer names w (and lost x to ops): w goes, x stays with ops.
  // (Keys like y are avoided: kubectl's YAML 1.1 reader makes them booleans.)
  r = await kubectl('apply', '--server-side', '-f', manifest(cm('ssa', { z: '3' })));
  assert.is(r.code, 0, r.err);
  o = await get(`${CM}/ssa`);
  assert.equal(o.data, { x: 'ops', z: '3' });
});

test('containers merge by name across managers; a container its manager stops applying goes', async () => {
  const deploy = (containers: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: merged
spec:
  selector:
    matchLabels: { app: merged }
  template:
    metadata:
      labels: { app: merged }
    spec:
      containers:
${containers}`;
  let r = await kubectl(
    'apply',
    '--server-side',
    '-f',
    manifest(deploy('      - { name: app, image: app:1 }\n')),
  );
  assert.is(r.code, 0, r.err);
  const side = deploy('      - { name: sidecar, image: side:1 }\n');
  r = await kubectl('apply', '--server-side', '--field-manager=mesh', '-f', manifest(side));
  assert.is(r.code, 0, r.err);
  const names = async () =>
    (
      (await get('/apis/apps/v1/namespaces/default/deployments/merged')) as unknown as {
        spec: { template: { spec: { containers: { name: string; image: string }[] } } };
      }
    ).spec.template.spec.containers.map((c) => `${c.name}=${c.image}`);
  assert.equal(await names(), ['app=app:1', 'sidecar=side:1']);
  r = await kubectl(
    'apply',
    '--server-side',
    '--field-manager=mesh',
    '-f',
    manifest(deploy('      - { name: app, image: app:1 }\n')),
  );
  assert.is(r.code, 0, r.err);
  assert.equal(await names(), ['app=app:1'], 'mesh stopped applying its sidecar');
});

test('an object applied client-side is taken over by --server-side; kubectl edit-style writes are owned', async () => {
  let r = await kubectl('apply', '-f', manifest(cm('csa', { a: '1', b: '2' })));
  assert.is(r.code, 0, r.err);
  let o = await get(`${CM}/csa`);
  assert.equal(managers(o), ['kubectl-client-side-apply/Update']);
  r = await kubectl('apply', '--server-side', '-f', manifest(cm('csa', { a: '1' })));
  assert.is(r.code, 0, r.err);
  o = await get(`${CM}/csa`);
  assert.equal(o.data, { a: '1' }, 'b was only in the client-side configuration');
  // kubectl moves the client-side manager's fields to its own (and the annotation to
  // kubectl-last-applied) in one managedFields write before it applies.
  assert.ok(managers(o).includes('kubectl/Apply'), managers(o).join());
  assert.not.ok(managers(o).includes('kubectl-client-side-apply/Update'), managers(o).join());

  // A merge patch by another client owns what it changed; the next apply of the old value conflicts.
  const res = await fetch(`${t.api.url}${CM}/csa?fieldManager=tuner`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ data: { a: 'tuned' } }),
  });
  assert.is(res.status, 200);
  r = await kubectl('apply', '--server-side', '-f', manifest(cm('csa', { a: '1' })));
  assert.is.not(r.code, 0);
  assert.match(r.err, /conflict with "tuner"/);
});

test('server dry-run and diff with apply store nothing', async () => {
  const before = await get(`${CM}/ssa`);
  const rev = await t.store.revision();
  const f = manifest(cm('ssa', { z: 'dry' }));
  let r = await kubectl('apply', '--server-side', '--dry-run=server', '-f', f);
  assert.is(r.code, 0, r.err);
  r = await kubectl('diff', '--server-side', '-f', f);
  assert.is(r.code, 1, `diff exits 1 when there are differences: ${r.err}`);
  assert.match(r.out, /\+ {2}z: dry/);
  r = await kubectl(
    'apply',
    '--server-side',
    '--dry-run=server',
    '-f',
    manifest(cm('not-there', { a: '1' })),
  );
  assert.is(r.code, 0, r.err);
  assert.is(await t.store.revision(), rev, 'no revision consumed');
  assert.equal(await get(`${CM}/ssa`), before);
  assert.is((await fetch(`${t.api.url}${CM}/not-there`)).status, 404);
});

test('bad apply requests: clear Status errors, nothing stored', async () => {
  const rev = await t.store.revision();
  const send = async (query: string, body: string, ct = 'application/apply-patch+yaml') => {
    const res = await fetch(`${t.api.url}${CM}/bad${query}`, {
      method: 'PATCH',
      headers: { 'content-type': ct },
      body,
    });
    return { code: res.status, body: (await res.json()) as Status };
  };
  const rows: [string, string, string | undefined, number, RegExp][] = [
    ['', 'apiVersion: v1\nkind: ConfigMap\n', undefined, 400, /fieldManager: Required value/],
    ['?fieldManager=m', 'data: {a: "1"}\n', undefined, 400, /must set apiVersion and kind/],
    ['?fieldManager=m', 'apiVersion: v1\nkind: Secret\n', undefined, 400, /does not match the expected kind/],
    [
      '?fieldManager=m',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n',
      undefined,
      400,
      /does not match the name on the URL/,
    ],
    ['?fieldManager=m', '- a\n- b\n', undefined, 400, /must be an object/],
    ['?fieldManager=m&force=maybe', 'apiVersion: v1\nkind: ConfigMap\n', undefined, 400, /force "maybe"/],
    [`?fieldManager=${'m'.repeat(129)}`, 'apiVersion: v1\nkind: ConfigMap\n', undefined, 400, /Too long/],
    ['?force=true', '{"data":{"a":"1"}}', 'application/merge-patch+json', 400, /force: Forbidden/],
  ];
  for (const [q, body, ct, code, msg] of rows) {
    const r = await send(q, body, ct);
    assert.is(r.code, code, `${q} ${body}`);
    assert.is(r.body.kind, 'Status');
    assert.match(r.body.message ?? '', msg);
  }
  // The 409 of a conflict carries one cause per field, as kubectl prints them.
  const res = await fetch(`${t.api.url}${CM}/ssa?fieldManager=intruder`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/apply-patch+yaml' },
    body: 'apiVersion: v1\nkind: ConfigMap\ndata:\n  x: mine\n  z: mine\n',
  });
  assert.is(res.status, 409);
  const st = (await res.json()) as Status;
  assert.is(st.reason, 'Conflict');
  assert.match(st.message ?? '', /^Apply failed with 2 conflicts: /);
  assert.match(st.message ?? '', /conflicts with "ops" using v1:\n- \.data\.x\n/);
  assert.match(st.message ?? '', /conflicts with "kubectl" using v1:\n- \.data\.z\n/);
  assert.equal(st.details?.causes?.map((c) => `${c.reason} ${c.field}`).sort(), [
    'FieldManagerConflict .data.x',
    'FieldManagerConflict .data.z',
  ]);
  assert.is(await t.store.revision(), rev, 'nothing written by any refused request');
});

test.run();
