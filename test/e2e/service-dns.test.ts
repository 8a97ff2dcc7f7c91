// Service DNS end to end (real hub, a real agent on the real Docker engine, the real kubectl):
// a pod's resolv.conf names the agent's cluster DNS with the namespace's search list; the pod
// resolves a Service by its short name (the search list) and its full name, and reaches it
// through the ClusterIP;
// a name that does not exist fails at once (NXDOMAIN) instead of hanging.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Service } from '../../shared/api/service.js';
import { getJson } from '../helpers/api.js';
import { waitFor } from '../helpers/wait.js';
import { Cluster, IMAGE, podYaml, ready, running } from './pods-harness.js';

const c = new Cluster([{ name: 'dns-a' }], ['--cluster-dns', '169.254.20.10']);
test.before(() => c.start());
test.after(() => c.stop());

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: ${IMAGE}
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "mkdir -p /srv && echo hello-from-web > /srv/index.html && exec httpd -f -p 8080 -h /srv"]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          httpGet: {path: /, port: http}
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
`;

test('a pod resolves a Service by name through the agent and reaches it', async () => {
  assert.is((await c.apply(WEB)).code, 0);
  assert.is((await c.apply(podYaml({ name: 'client', command: 'exec sleep 3600' }))).code, 0);
  await c.waitPod('client', running, 'client Running', 60_000);
  const svc = await getJson<Service>(c.hub.apiUrl, '/api/v1/namespaces/default/services/web');
  const ip = svc.spec?.clusterIP ?? '';

  const resolv = await c.k(['exec', 'client', '--', 'cat', '/etc/resolv.conf']);
  assert.is(resolv.code, 0, resolv.stderr);
  assert.match(resolv.stdout, /nameserver 169\.254\.20\.10/);
  assert.match(resolv.stdout, /search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
  assert.match(resolv.stdout, /ndots:5/);

  // The name exists once the agent has the hub's Service table with it.
  let last = '';
  const look = await waitFor(
    async () => {
      const r = await c.k(['exec', 'client', '--', 'nslookup', 'web.default.svc.cluster.local']);
      last = `${r.stdout}${r.stderr}`;
      return r.code === 0 ? r.stdout : undefined;
    },
    { what: 'nslookup of the Service', timeoutMs: 20_000, intervalMs: 500 },
  ).catch((e: Error) => {
    throw new Error(`${e.message}: ${last}\n${c.tails()}`);
  });
  assert.ok(look.includes(ip), `nslookup answers the ClusterIP ${ip}:\n${look}`);

  // busybox's nslookup has its own resolver, which applies the search list to short names (its
  // libc resolver is the static glibc's, which crashes without NSS modules: wget cannot be used).
  // (busybox's nslookup searches only dotless names; ndots:5 resolvers search `web.default` too.)
  for (const name of ['web', 'web.default.svc.cluster.local']) {
    // It tries every search domain and exits non-zero when any says NXDOMAIN; the answer counts.
    const r = await c.k(['exec', 'client', '--', 'nslookup', name]);
    assert.match(
      r.stdout,
      /Name:\s*web\.default\.svc\.cluster\.local/,
      `nslookup ${name}: ${r.stdout}${r.stderr}`,
    );
    const found = [...r.stdout.matchAll(/Address:\s*(\d+\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]);
    assert.equal([...new Set(found)], [ip], `nslookup ${name} answers the ClusterIP only:\n${r.stdout}`);
  }
  // Reached through the ClusterIP once its pod is Ready (the proxy refuses before that).
  let err = '';
  const body = await waitFor(
    async () => {
      // nc: this busybox's wget crashes (static glibc, no NSS) before it connects anywhere.
      const r = await c.k([
        'exec',
        'client',
        '--',
        'sh',
        '-c',
        `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${ip} 80`,
      ]);
      err = r.stderr;
      return r.code === 0 ? r.stdout : undefined;
    },
    { what: `the pod fetches http://${ip}/`, timeoutMs: 60_000, intervalMs: 1000 },
  ).catch(async (e: Error) => {
    const state = await c.k(['get', 'pods,endpointslices', '-o', 'wide']);
    throw new Error(`${e.message}: ${err}\n${state.stdout}\n${c.tails()}`);
  });
  assert.match(body, /^HTTP\/1\.[01] 200/);
  assert.match(body, /hello-from-web/);

  const start = Date.now();
  const missing = await c.k(['exec', 'client', '--', 'nslookup', 'nosuch.default.svc.cluster.local']);
  assert.is.not(missing.code, 0, missing.stdout);
  assert.match(`${missing.stdout}${missing.stderr}`, /NXDOMAIN|can't find|can't resolve/i);
  console.log(`  NXDOMAIN for a missing Service in ${Date.now() - start} ms (kubectl exec included)`);
  const pods = await c.pod('client');
  assert.ok(ready(pods));
});

test.run();
