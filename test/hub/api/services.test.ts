// core/v1 Services on a real API with the real kubectl: ClusterIP and NodePort allocation
// from the ranges, upstream's 422s for a clash or an out-of-range port (the holder keeps its
// port), release on delete, immutable ClusterIP, headless, kubectl get/describe/expose.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Service } from '../../../shared/api/service.js';
import { ApiError } from '../../../hub/api/errors.js';
import { inServiceRange, parseServiceRanges } from '../../../hub/api/allocation/ranges.js';
import { kubectl, writeKubeconfig } from '../controllers/fixtures.js';
import { startApi, type TestApi } from './helpers.js';

let t: TestApi;
let kc: string;
const ranges = parseServiceRanges();

test.before(async () => {
  t = await startApi();
  kc = writeKubeconfig(t);
});
test.after(async () => t.stop());

const svc = (name: string, spec: Partial<Service['spec']>): Service => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec },
});

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('the write was accepted');
}

test('ClusterIP from the range, NodePort random in 30000-32767, defaults', async () => {
  const s = await t.api.client.create<Service>('services', 'default', svc('a', { type: 'NodePort' }));
  assert.ok(inServiceRange(ranges, s.spec.clusterIP ?? ''), s.spec.clusterIP);
  assert.equal(s.spec.clusterIPs, [s.spec.clusterIP]);
  const np = s.spec.ports?.[0].nodePort ?? 0;
  assert.ok(np >= 30000 && np <= 32767, String(np));
  assert.is(s.spec.ports?.[0].protocol, 'TCP');
  assert.is(s.spec.sessionAffinity, 'None');
  const h = await t.api.client.create<Service>('services', 'default', svc('h', { clusterIP: 'None' }));
  assert.is(h.spec.clusterIP, 'None');
});

test('NodePort clash and out of range: 422 with upstream messages, the holder unchanged', async () => {
  const held = await t.api.client.create<Service>(
    'services',
    'default',
    svc('holder', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }),
  );
  const e = await refusal(
    t.api.client.create(
      'services',
      'default',
      svc('clash', { type: 'NodePort', ports: [{ port: 81, nodePort: 30080 }] }),
    ),
  );
  assert.is(e.code, 422);
  assert.match(e.message, 'spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  const r = await refusal(
    t.api.client.create(
      'services',
      'default',
      svc('far', { type: 'NodePort', ports: [{ port: 80, nodePort: 40000 }] }),
    ),
  );
  assert.match(r.message, 'provided port is not in the valid range. The range of valid ports is 30000-32767');
  const still = await t.api.client.get<Service>('services', 'default', 'holder');
  assert.is(still.metadata.resourceVersion, held.metadata.resourceVersion);
  assert.is((await refusal(t.api.client.get('services', 'default', 'clash'))).code, 404);
  // Through kubectl: the Status message is what the user reads.
  const k = await kubectl(kc, 'create', 'service', 'nodeport', 'kclash', '--tcp=80:80', '--node-port=30080');
  assert.is.not(k.code, 0);
  assert.match(k.err, 'provided port is already allocated');
});

test('a ClusterIP clash, and release on delete lets another Service take the port and IP', async () => {
  const a = await t.api.client.create<Service>(
    'services',
    'default',
    svc('rel', { type: 'NodePort', ports: [{ port: 80, nodePort: 30999 }] }),
  );
  const ip = a.spec.clusterIP ?? '';
  const e = await refusal(t.api.client.create('services', 'default', svc('ipclash', { clusterIP: ip })));
  assert.match(e.message, `failed to allocate IP ${ip}: provided IP is already allocated`);
  await t.api.client.delete('services', 'default', 'rel');
  const b = await t.api.client.create<Service>(
    'services',
    'default',
    svc('rel2', { clusterIP: ip, type: 'NodePort', ports: [{ port: 80, nodePort: 30999 }] }),
  );
  assert.is(b.spec.clusterIP, ip);
});

test('updates keep the allocations; ClusterIP is immutable; NodePort -> ClusterIP releases the port', async () => {
  const s = await t.api.client.create<Service>('services', 'default', svc('upd', { type: 'NodePort' }));
  const port = s.spec.ports?.[0].nodePort;
  const put = await t.api.client.update<Service>('services', 'default', {
    ...s,
    spec: { ...s.spec, clusterIP: undefined, clusterIPs: undefined, ports: [{ port: 80, targetPort: 9090 }] },
  });
  assert.is(put.spec.clusterIP, s.spec.clusterIP);
  assert.is(put.spec.ports?.[0].nodePort, port);
  const e = await refusal(
    t.api.client.update('services', 'default', {
      ...put,
      spec: { ...put.spec, clusterIP: '10.96.0.99', clusterIPs: ['10.96.0.99'] },
    }),
  );
  assert.match(e.message, 'field is immutable');
  const cur = await t.api.client.get<Service>('services', 'default', 'upd');
  await t.api.client.update<Service>('services', 'default', {
    ...cur,
    spec: { ...cur.spec, type: 'ClusterIP', ports: [{ port: 80, targetPort: 9090 }] },
  });
  const taker = await t.api.client.create<Service>(
    'services',
    'default',
    svc('taker', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] }),
  );
  assert.is(taker.spec.ports?.[0].nodePort, port);
});

test('ClusterIP -> NodePort by an update: the allocated port is stored, not only answered', async () => {
  const s = await t.api.client.create<Service>('services', 'default', svc('to-np', {}));
  assert.is(s.spec.ports?.[0].nodePort, undefined);
  const put = await t.api.client.update<Service>('services', 'default', {
    ...s,
    spec: { ...s.spec, type: 'NodePort' },
  });
  const port = put.spec.ports?.[0].nodePort;
  assert.ok(port && port >= 30000 && port <= 32767, `answered with a NodePort: ${port}`);
  const got = await t.api.client.get<Service>('services', 'default', 'to-np');
  assert.is(got.spec.ports?.[0].nodePort, port, 'the stored Service holds the port it was given');
  // The port is held: another Service asking for it is refused.
  const e = await refusal(
    t.api.client.create(
      'services',
      'default',
      svc('np-thief', { type: 'NodePort', ports: [{ port: 80, nodePort: port }] }),
    ),
  );
  assert.match(e.message, 'provided port is already allocated');
});

test('bad input: unsupported type and protocol, nodePort on ClusterIP, headless NodePort', async () => {
  const cases: [Partial<Service['spec']>, string][] = [
    [{ type: 'LoadBalancer' }, 'spec.type: Unsupported value: "LoadBalancer"'],
    [{ ports: [{ port: 53, protocol: 'UDP' }] }, 'spec.ports[0].protocol: Unsupported value: "UDP"'],
    [
      { ports: [{ port: 80, nodePort: 30001 }] },
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ],
    [{ type: 'NodePort', clusterIP: 'None' }, "may not be set to 'None' for NodePort services"],
    [{ ports: [{ port: 80 }, { port: 81 }] }, 'spec.ports[0].name: Required value'],
    [{ ports: [{ port: 70000 }] }, 'spec.ports[0].port: Invalid value: 70000'],
  ];
  for (const [spec, msg] of cases) {
    const e = await refusal(t.api.client.create('services', 'default', svc('bad', spec)));
    assert.is(e.code, 422, msg);
    assert.match(e.message, msg);
  }
});

test('kubectl: expose, get with the PORT(S) column, describe', async () => {
  const d = await kubectl(kc, 'create', 'deployment', 'exp', '--image=busybox');
  assert.is(d.code, 0, d.err);
  const x = await kubectl(
    kc,
    'expose',
    'deployment',
    'exp',
    '--port=80',
    '--target-port=8080',
    '--type=NodePort',
  );
  assert.is(x.code, 0, x.err);
  const g = await kubectl(kc, 'get', 'svc', 'exp', '-o', 'wide');
  assert.is(g.code, 0, g.err);
  const [head, row] = g.out.trim().split('\n');
  assert.match(head, /NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s+SELECTOR/);
  assert.match(row, /^exp\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+80:3\d{4}\/TCP\s+\S+\s+app=exp$/);
  const desc = await kubectl(kc, 'describe', 'svc', 'exp');
  assert.is(desc.code, 0, desc.err);
  assert.match(desc.out, /TargetPort:\s+8080\/TCP/);
  assert.match(desc.out, /NodePort:\s+<unset>\s+3\d{4}\/TCP/);
});

test.run();
