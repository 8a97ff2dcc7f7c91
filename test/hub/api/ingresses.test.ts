// networking.k8s.io/v1 Ingress with the real kubectl: applied, listed with kubectl's columns,
// its status written through the status subresource only; invalid ones refused with 422 naming
// each field (upstream's messages) and nothing stored.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Ingress } from '../../../shared/api/ingress.js';
import { kubectl as kubectlWith, writeKubeconfig } from '../controllers/fixtures.js';
import { startApi, type TestApi } from './helpers.js';

let t: TestApi;
let kubeconfig: string;
const BASE = '/apis/networking.k8s.io/v1/namespaces/default/ingresses';

test.before(async () => {
  t = await startApi();
  kubeconfig = writeKubeconfig(t);
});
test.after(async () => t.stop());

const kubectl = (...args: string[]) => kubectlWith(kubeconfig, ...args);

const WEB = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  ingressClassName: traefik
  tls:
    - hosts: [web.example.com]
      secretName: web-tls
  rules:
    - host: web.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
    - host: '*.boards.example.com'
      http:
        paths:
          - path: /api
            pathType: Exact
            backend:
              service:
                name: api
                port:
                  name: http
`;

test('kubectl applies an Ingress and prints its columns; status is written through status only', async () => {
  const f = join(t.dir, 'web.yaml');
  writeFileSync(f, WEB);
  let r = await kubectl('apply', '-f', f);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, 'ingress.networking.k8s.io/web created');
  r = await kubectl('get', 'ing', 'web');
  assert.is(r.code, 0, r.err);
  const [head, row] = r.out.trim().split('\n');
  assert.equal(head.split(/\s+/), ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
  assert.equal(row.split(/\s+/).slice(0, 4), [
    'web',
    'traefik',
    'web.example.com,*.boards.example.com',
    '80,',
  ]);

  const ing = await t.api.client.get<Ingress>('ingresses', 'default', 'web');
  const lb = { loadBalancer: { ingress: [{ ip: '192.168.1.20' }] } };
  // The main resource ignores status (a controller's field), the subresource takes it.
  await t.api.client.update<Ingress>('ingresses', 'default', { ...ing, status: lb });
  assert.equal((await t.api.client.get<Ingress>('ingresses', 'default', 'web')).status ?? {}, {});
  await t.api.client.update<Ingress>('ingresses', 'default', { ...ing, status: lb }, 'status');
  r = await kubectl('get', 'ing', 'web', '--no-headers');
  assert.match(r.out, /192\.168\.1\.20\s+80, 443/);
});

const invalid: { name: string; spec: unknown; causes: string[] }[] = [
  {
    name: 'neither rules nor a default backend',
    spec: {},
    causes: ['spec: Invalid value: either `defaultBackend` or `rules` must be specified'],
  },
  {
    name: 'a path without pathType, a relative Prefix path, a port both named and numbered',
    spec: {
      rules: [
        {
          host: 'a.example.com',
          http: {
            paths: [
              { path: '/x', backend: { service: { name: 'a', port: { number: 80 } } } },
              {
                path: 'x',
                pathType: 'Prefix',
                backend: { service: { name: 'a', port: { name: 'h', number: 8 } } },
              },
            ],
          },
        },
      ],
    },
    causes: [
      'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
      'spec.rules[0].http.paths[1].path: Invalid value: "x": must be an absolute path',
      'spec.rules[0].http.paths[1].backend.service.port: Invalid value: cannot set both port name & port number',
    ],
  },
  {
    name: 'an IP as host, an unknown pathType, a backend with neither service nor resource',
    spec: {
      rules: [{ host: '10.0.0.1', http: { paths: [{ path: '/', pathType: 'Regex', backend: {} }] } }],
    },
    causes: [
      'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
      'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
      'spec.rules[0].http.paths[0].backend: Required value: resource or service backend is required',
    ],
  },
];

for (const c of invalid)
  test(`refused with 422, nothing stored: ${c.name}`, async () => {
    const res = await fetch(t.api.url + BASE, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'bad' },
        spec: c.spec,
      }),
    });
    assert.is(res.status, 422);
    const st = (await res.json()) as { details: { causes: { field: string; message: string }[] } };
    assert.equal(
      st.details.causes.map((x) => `${x.field}: ${x.message}`),
      c.causes,
    );
    assert.is((await fetch(`${t.api.url}${BASE}/bad`)).status, 404);
  });

test.run();
