// Every kind of bad request gets a Status with the right code and a message that says what
// to fix, and the server keeps serving.

import { request } from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Status } from '../../../shared/api/types.js';
import { startApi, type TestApi } from './helpers.js';

let t: TestApi;
test.before(async () => {
  t = await startApi();
});
test.after(async () => t.stop());

async function call(method: string, path: string, body?: string, contentType = 'application/json') {
  const res = await fetch(t.api.url + path, {
    method,
    headers: body !== undefined ? { 'Content-Type': contentType } : {},
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  return {
    code: res.status,
    text,
    json: (() => {
      try {
        return JSON.parse(text) as Status;
      } catch {
        return undefined;
      }
    })(),
  };
}

const PODS = '/api/v1/namespaces/default/pods';
const goodPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'ok' },
  spec: { containers: [{ name: 'a', image: 'nginx' }] },
};

const cases: {
  name: string;
  method?: string;
  path?: string;
  body: string;
  ct?: string;
  code: number;
  reason: string;
  msg: RegExp;
}[] = [
  {
    name: 'malformed JSON',
    body: '{"kind": "Pod",\n  "metadata": {"name": "x",}}',
    code: 400,
    reason: 'BadRequest',
    msg: /as JSON at line 2, column \d+/,
  },
  {
    name: 'malformed YAML',
    body: 'kind: Pod\nmetadata:\n  name: [x\n',
    ct: 'application/yaml',
    code: 400,
    reason: 'BadRequest',
    msg: /as YAML at line \d+, column \d+/,
  },
  {
    name: 'two YAML documents',
    body: 'kind: Pod\n---\nkind: Pod\n',
    ct: 'application/yaml',
    code: 400,
    reason: 'BadRequest',
    msg: /2 YAML documents/,
  },
  { name: 'empty body', body: '', code: 400, reason: 'BadRequest', msg: /body is empty/ },
  {
    name: 'a list, not an object',
    body: '[1,2]',
    code: 400,
    reason: 'BadRequest',
    msg: /must be a Pod object/,
  },
  {
    name: 'unknown field',
    body: JSON.stringify({
      ...goodPod,
      spec: { ...goodPod.spec, foo: 1, containers: [{ name: 'a', image: 'x', imagee: 'y' }] },
    }),
    code: 400,
    reason: 'BadRequest',
    msg: /unknown field "spec.containers\[0\].imagee".*unknown field "spec.foo"/,
  },
  {
    name: 'wrong JSON type',
    body: JSON.stringify({ ...goodPod, metadata: { name: 'x', labels: { a: 1 } } }),
    code: 400,
    reason: 'BadRequest',
    msg: /metadata.labels.a: expected string, got number/,
  },
  {
    name: 'wrong kind for the path',
    body: JSON.stringify({ ...goodPod, kind: 'ConfigMap' }),
    code: 400,
    reason: 'BadRequest',
    msg: /kind in the data \(ConfigMap\) does not match the expected kind \(Pod\)/,
  },
  {
    name: 'wrong apiVersion',
    body: JSON.stringify({ ...goodPod, apiVersion: 'apps/v1' }),
    code: 400,
    reason: 'BadRequest',
    msg: /API version in the data \(apps\/v1\) does not match the expected API version \(v1\)/,
  },
  {
    name: 'missing name',
    body: JSON.stringify({ ...goodPod, metadata: {} }),
    code: 422,
    reason: 'Invalid',
    msg: /metadata.name: Required value: name or generateName is required/,
  },
  {
    name: 'namespace mismatch',
    body: JSON.stringify({ ...goodPod, metadata: { name: 'x', namespace: 'kube-system' } }),
    code: 400,
    reason: 'BadRequest',
    msg: /namespace of the provided object \(kube-system\) does not match the namespace sent on the request \(default\)/,
  },
  {
    name: 'bad name',
    body: JSON.stringify({ ...goodPod, metadata: { name: 'Bad_Name' } }),
    code: 422,
    reason: 'Invalid',
    msg: /metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
  },
  {
    name: 'bad label',
    body: JSON.stringify({ ...goodPod, metadata: { name: 'x', labels: { 'a b': 'c' } } }),
    code: 422,
    reason: 'Invalid',
    msg: /metadata.labels: Invalid value: "a b"/,
  },
  {
    name: 'no containers',
    body: JSON.stringify({ ...goodPod, spec: { containers: [] } }),
    code: 422,
    reason: 'Invalid',
    msg: /spec.containers: Required value/,
  },
  {
    name: 'pod field errors',
    body: JSON.stringify({
      ...goodPod,
      spec: {
        restartPolicy: 'Sometimes',
        containers: [
          {
            name: 'a',
            image: 'x',
            ports: [{ containerPort: 70000 }],
            resources: { limits: { cpu: 'lots' } },
          },
          { name: 'a' },
        ],
      },
    }),
    code: 422,
    reason: 'Invalid',
    msg: /containerPort: Invalid value: 70000.*limits\[cpu\]: Invalid value: "lots".*containers\[1\].name: Duplicate value: "a".*containers\[1\].image: Required value.*restartPolicy: Unsupported value: "Sometimes"/,
  },
  {
    name: 'unsupported content type',
    body: 'x',
    ct: 'text/plain',
    code: 415,
    reason: 'UnsupportedMediaType',
    msg: /unknown format: text\/plain/,
  },
  {
    name: 'unknown path',
    path: '/api/v1/widgets',
    body: '{}',
    code: 404,
    reason: 'NotFound',
    msg: /could not find the requested resource/,
  },
  {
    name: 'fieldValidation value',
    path: `${PODS}?fieldValidation=Loose`,
    body: JSON.stringify(goodPod),
    code: 400,
    reason: 'BadRequest',
    msg: /fieldValidation "Loose"/,
  },
  {
    name: 'server-side apply without a field manager',
    method: 'PATCH',
    path: `${PODS}/ok`,
    body: '{}',
    ct: 'application/apply-patch+yaml',
    code: 400,
    reason: 'BadRequest',
    msg: /fieldManager: Required value/,
  },
  {
    name: 'server-side apply on a subresource',
    method: 'PATCH',
    path: `${PODS}/ok/status?fieldManager=m`,
    body: '{}',
    ct: 'application/apply-patch+yaml',
    code: 415,
    reason: 'UnsupportedMediaType',
    msg: /served on the object, not its subresources/,
  },
  {
    name: 'malformed patch',
    method: 'PATCH',
    path: `${PODS}/ok`,
    body: '{',
    ct: 'application/merge-patch+json',
    code: 400,
    reason: 'BadRequest',
    msg: /as JSON/,
  },
  {
    name: 'PUT name mismatch',
    method: 'PUT',
    path: `${PODS}/ok`,
    body: JSON.stringify({ ...goodPod, metadata: { name: 'other' } }),
    code: 400,
    reason: 'BadRequest',
    msg: /name of the object \(other\) does not match the name on the URL \(ok\)/,
  },
  {
    name: 'pods/log before its handler exists',
    method: 'GET',
    path: `${PODS}/ok/log`,
    body: '',
    code: 501,
    reason: 'NotImplemented',
    msg: /no pods\/log handler yet/,
  },
  {
    name: 'bad URL encoding',
    method: 'GET',
    path: '/api/v1/namespaces/%E0%A4%A/pods',
    body: '',
    code: 400,
    reason: 'BadRequest',
    msg: /not valid URL encoding/,
  },
  {
    name: 'bad watch resourceVersion',
    method: 'GET',
    path: `${PODS}?watch=1&resourceVersion=abc`,
    body: '',
    code: 400,
    reason: 'BadRequest',
    msg: /resourceVersion "abc" is not valid/,
  },
];

test('setup: the pod PUT and PATCH cases act on', async () => {
  const r = await call('POST', PODS, JSON.stringify(goodPod));
  assert.is(r.code, 201, r.text);
});

for (const c of cases) {
  test(`${c.name} -> ${c.code} ${c.reason}`, async () => {
    const method = c.method ?? 'POST';
    const r = await call(method, c.path ?? PODS, method === 'GET' ? undefined : c.body, c.ct);
    assert.is(r.code, c.code, r.text);
    assert.ok(r.json, `a Status body: ${r.text}`);
    assert.is(r.json!.kind, 'Status');
    assert.is(r.json!.reason, c.reason);
    assert.is(r.json!.code, c.code);
    assert.match(r.json!.message ?? '', c.msg);
  });
}

test('fieldValidation=Ignore drops unknown fields; Warn sends a Warning header', async () => {
  const body = JSON.stringify({
    ...goodPod,
    metadata: { name: 'lenient' },
    spec: { ...goodPod.spec, foo: 1 },
  });
  const r = await call('POST', `${PODS}?fieldValidation=Ignore`, body);
  assert.is(r.code, 201, r.text);
  assert.not.match(r.text, /"foo"/);
  const res = await fetch(`${t.api.url}${PODS}?fieldValidation=Warn`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: body.replace('lenient', 'lenient2'),
  });
  assert.is(res.status, 201);
  assert.match(res.headers.get('warning') ?? '', /unknown field \\"spec.foo\\"/);
});

test('a YAML body is accepted', async () => {
  const r = await call(
    'POST',
    PODS,
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: a\n    image: nginx\n',
    'application/yaml',
  );
  assert.is(r.code, 201, r.text);
});

test('body over the limit (Content-Length) -> 413', async () => {
  const big = JSON.stringify({
    ...goodPod,
    metadata: { name: 'big', annotations: { a: 'x'.repeat(1_600_000) } },
  });
  const r = await call('POST', PODS, big);
  assert.is(r.code, 413);
  assert.is(r.json?.reason, 'RequestEntityTooLarge');
  assert.match(r.json?.message ?? '', /limit is 1572864 bytes/);
});

test('chunked body over the limit -> 413 without reading it all', async () => {
  const { code, body } = await new Promise<{ code: number; body: string }>((resolve, reject) => {
    const req = request(
      `${t.api.url}${PODS}`,
      { method: 'POST', headers: { 'Content-Type': 'application/json' } },
      (res) => {
        let b = '';
        res.on('data', (d) => {
          b += d;
        });
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body: b }));
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = () => {
      // Keep sending (up to 64 MiB) until the server answers; it must answer long before.
      while (sent < 64 * 1024 * 1024) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    req.on('response', () => {
      sent = Number.MAX_SAFE_INTEGER;
      req.destroy();
    });
    pump();
  }).catch(() => ({ code: -1, body: '' }));
  assert.is(code, 413, body);
});

test('a merge patch with __proto__ pollutes nothing', async () => {
  const r = await call(
    'PATCH',
    `${PODS}/ok`,
    '{"__proto__":{"polluted":"yes"},"metadata":{"labels":{"p":"1"}}}',
    'application/merge-patch+json',
  );
  assert.is(r.code, 200, r.text);
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

test('registered subresource handlers replace the default', async () => {
  t.api.registerSubresourceHandler('pods', 'log', async (ctx) => {
    ctx.res!.writeHead(200, { 'Content-Type': 'text/plain' }).end(`log of ${ctx.namespace}/${ctx.name}`);
    return undefined;
  });
  const r = await call('GET', `${PODS}/ok/log`);
  assert.is(r.code, 200);
  assert.is(r.text, 'log of default/ok');
});

test('the server is still serving and the good object is intact', async () => {
  const r = await call('GET', `${PODS}/ok`);
  assert.is(r.code, 200);
  const h = await fetch(`${t.api.url}/healthz`);
  assert.is(await h.text(), 'ok');
});

test('metrics count requests by verb, resource and code', async () => {
  const text = await (await fetch(`${t.api.url}/metrics`)).text();
  assert.match(text, /apiserver_request_total\{code="201",resource="pods",verb="create"\} \d+/);
  assert.match(text, /apiserver_request_total\{code="422",resource="pods",verb="create"\} \d+/);
  assert.match(text, /apiserver_request_duration_seconds_bucket\{resource="pods",verb="create",le="0.005"\}/);
  assert.match(text, /drover_store_revision \d+/);
  assert.match(text, /apiserver_registered_watchers 0/);
});

test.run();
