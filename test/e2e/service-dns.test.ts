// Service DNS end to end (real hub, a real agent on the real Docker engine, the real kubectl):
// a pod's resolv.conf names the agent's cluster DNS with the namespace's search list; the pod
// resolves a Service by its short name and its full name and reaches it through the ClusterIP;
// a name that does not exist fails at once (NXDOMAIN) instead of hanging.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Service } from '../../shared/api/service.js';
import { getJson } from '../helpers/api.js';
import { waitFor } from '../helpers/wait.js';
import { Cluster, IMAGE, podYaml, ready, running } from './pods-harness.js';

const c = new Cluster([{ name: 'dns-a' }]);
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
          tcpSocket: {port: http}
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

  const look = await c.k(['exec', 'client', '--', 'nslookup', 'web.default.svc.cluster.local']);
  assert.is(look.code, 0, `${look.stdout}${look.stderr}`);
  assert.ok(look.stdout.includes(ip), `nslookup answers the ClusterIP ${ip}:\n${look.stdout}`);

  // The Service answers once its pod is Ready (the proxy refuses before that).
  for (const url of ['http://web/', 'http://web.default/', 'http://web.default.svc.cluster.local/']) {
    const body = await waitFor(
      async () => {
        const r = await c.k(['exec', 'client', '--', 'wget', '-q', '-T', '3', '-O', '-', url]);
        return r.code === 0 ? r.stdout : undefined;
      },
      { what: `the pod fetches ${url}`, timeoutMs: 60_000, intervalMs: 1000 },
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${c.tails()}`);
    });
    assert.is(body.trim(), 'hello-from-web');
  }

  const start = Date.now();
  const missing = await c.k(['exec', 'client', '--', 'nslookup', 'nosuch.default.svc.cluster.local']);
  assert.is.not(missing.code, 0, missing.stdout);
  assert.match(`${missing.stdout}${missing.stderr}`, /NXDOMAIN|can't find|can't resolve/i);
  console.log(`  NXDOMAIN for a missing Service in ${Date.now() - start} ms (kubectl exec included)`);
  const pods = await c.pod('client');
  assert.ok(ready(pods));
});

test.run();
