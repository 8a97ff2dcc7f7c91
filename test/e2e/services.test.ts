// Services end to end (real hub, three real agents on the real Docker engine, the real kubectl
// and curl): a Deployment of 3 busybox httpd pods behind a NodePort Service. Each board is an
// agent with its own loopback address (--node-ip 127.0.43.x), so every board has its own
// NodePort and relay; the service CIDR is a loopback range, so ClusterIPs are local addresses
// and no traffic leaves the machine. Checked: the NodePort answers on every board (from its own
// pod first), the ClusterIP answers, a pod failing readiness leaves the EndpointSlice and gets
// no more traffic (its board reaches the others' pods through their relays), a deleted pod's
// traffic goes elsewhere with at most one retry per request; a Service selecting nothing
// refuses connections at once; a NodePort clash is a clear Status error and changes nothing.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EndpointSlice, Service } from '../../shared/api/service.js';
import type { KubeList, Pod } from '../../shared/api/types.js';
import { getJson } from '../helpers/api.js';
import { run, startHubProcess } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';
import { docker, IMAGE, ready } from './pods-harness.js';
import { active, HUB_ARGS, WorkloadCluster } from './workloads-harness.js';

const BOARDS = [
  { name: 'svc-a', ip: '127.0.43.1' },
  { name: 'svc-b', ip: '127.0.43.2' },
  { name: 'svc-c', ip: '127.0.43.3' },
];
const NODE_PORT = 30480;
const SERVICE_CIDR = '127.44.0.0/16';

class ServiceCluster extends WorkloadCluster {
  override async start(): Promise<void> {
    await this.removeContainers();
    this.hub = await startHubProcess({ args: [...HUB_ARGS, '--service-cluster-ip-range', SERVICE_CIDR] });
    for (const b of BOARDS) this.startAgent(b.name, { args: ['--node-ip', b.ip] });
    for (const b of BOARDS) await this.waitNode(b.name, 'True', 20_000);
  }
}

const c = new ServiceCluster(BOARDS.map((b) => ({ name: b.name })));
test.before(async () => c.start());
test.after(async () => c.stop());

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: ${IMAGE}
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "mkdir -p /srv && hostname > /srv/index.html && touch /srv/ready && exec httpd -f -p 8080 -h /srv"]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe:
          httpGet: {path: /ready, port: http}
          periodSeconds: 1
          failureThreshold: 1
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: http, nodePort: ${NODE_PORT}}]
`;

/** curl once; the pod name that answered, or undefined with curl's exit code. */
async function curl(url: string, retry = 0): Promise<{ body?: string; code: number }> {
  const r = await run('curl', [
    '-sS',
    '--max-time',
    '5',
    '--retry',
    String(retry),
    '--retry-all-errors',
    url,
  ]);
  return r.code === 0 ? { body: r.stdout.trim(), code: 0 } : { code: r.code };
}

async function webPods(): Promise<Pod[]> {
  return (await c.pods('app=web')).filter(active);
}

async function slice(name: string): Promise<EndpointSlice[]> {
  const l = await getJson<KubeList<EndpointSlice>>(
    c.hub.apiUrl,
    `/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3D${name}`,
  );
  return l.items;
}

const readyNames = (ss: EndpointSlice[]) =>
  ss
    .flatMap((s) => s.endpoints ?? [])
    .filter((e) => e.conditions?.ready)
    .map((e) => e.targetRef?.name ?? '')
    .sort();

const boardIp = (node: string | undefined) => BOARDS.find((b) => b.name === node)?.ip ?? '';

/** Answers of n requests to url. */
async function answers(url: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await curl(url);
    out.push(r.body ?? `curl exit ${r.code}`);
  }
  return out;
}

let svc: Service;

test('NodePort answers on every board (its own pod first), and the ClusterIP answers', async () => {
  const r = await c.apply(MANIFEST);
  assert.is(r.code, 0, r.stderr);
  await waitFor(async () => (await webPods()).filter(ready).length === 3, {
    timeoutMs: 60_000,
    what: '3 ready web pods',
  }).catch(async (e: Error) => {
    const st = (await webPods()).map((p) => JSON.stringify(p.status?.containerStatuses?.[0]?.state));
    throw new Error(`${e.message}\n${st.join('\n')}`);
  });
  const names = (await webPods()).map((p) => p.metadata.name ?? '').sort();
  await waitFor(async () => readyNames(await slice('web')).join() === names.join(), {
    what: 'the 3 pods ready in the EndpointSlice',
  });
  svc = await getJson<Service>(c.hub.apiUrl, '/api/v1/namespaces/default/services/web');
  const pods = await webPods();
  for (const b of BOARDS) {
    const got = await waitFor(
      async () => {
        const a = await curl(`http://${b.ip}:${NODE_PORT}/`);
        return a.body;
      },
      { what: `the NodePort on ${b.name} answers`, timeoutMs: 15_000 },
    );
    assert.ok(names.includes(got), `${b.name} answered ${got}`);
    const local = pods.filter((p) => p.spec.nodeName === b.name).map((p) => p.metadata.name);
    // A board with its own Ready pod serves from it: no hop to another board.
    if (local.length)
      for (const a of await answers(`http://${b.ip}:${NODE_PORT}/`, 4))
        assert.ok(local.includes(a), `${b.name}: ${a} is not local`);
  }
  const viaClusterIp = await curl(`http://${svc.spec.clusterIP}:80/`);
  assert.ok(names.includes(viaClusterIp.body ?? ''), `ClusterIP answered ${JSON.stringify(viaClusterIp)}`);
  const g = await c.k(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']);
  assert.match(g.stdout, /web-\w+\s+IPv4\s+8080\s+\d+\.\d+\.\d+\.\d+/);
});

test('a pod failing readiness leaves the slice and gets no traffic; its board reaches the others', async () => {
  const pods = await webPods();
  const victim = pods[0];
  const others = pods.slice(1).map((p) => p.metadata.name ?? '');
  const [ctr] = await c.containersOf(victim.metadata.name ?? '');
  const t0 = Date.now();
  const ex = await docker.getContainer(ctr.Id).exec({ Cmd: ['rm', '/srv/ready'] });
  await ex.start({});
  await waitFor(async () => !readyNames(await slice('web')).includes(victim.metadata.name ?? ''), {
    what: 'the unready pod out of the EndpointSlice',
    timeoutMs: 15_000,
  });
  console.log(`  readiness failure -> out of the slice in ${Date.now() - t0} ms (probe period 1 s)`);
  const onVictimBoard = boardIp(victim.spec.nodeName);
  // The victim's board had it as its local pod: now the others' answer, through their relays.
  const seen = await waitFor(
    async () => {
      const a = await answers(`http://${onVictimBoard}:${NODE_PORT}/`, 3);
      return a.every((x) => others.includes(x)) ? a : undefined;
    },
    { what: `the victim's board routes to the other pods`, timeoutMs: 10_000 },
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${c.tails()}`);
  });
  assert.ok(seen.length === 3);
  for (const b of BOARDS)
    for (const a of await answers(`http://${b.ip}:${NODE_PORT}/`, 3))
      assert.ok(others.includes(a), `${b.name} answered ${a} (the unready pod or an error)`);
  // Ready again: back in the slice.
  const back = await docker.getContainer(ctr.Id).exec({ Cmd: ['touch', '/srv/ready'] });
  await back.start({});
  await waitFor(async () => readyNames(await slice('web')).includes(victim.metadata.name ?? ''), {
    what: 'the pod back in the EndpointSlice once ready',
  });
});

test('deleting a pod reroutes: no request fails beyond one retry', async () => {
  const pods = (await webPods()).filter(ready);
  const gone = pods[0];
  const board = boardIp(gone.spec.nodeName);
  let stop = false;
  const failed: string[] = [];
  let served = 0;
  const load = (async () => {
    while (!stop) {
      const r = await curl(`http://${board}:${NODE_PORT}/`, 1);
      if (r.code === 0) served++;
      else failed.push(`curl exit ${r.code}`);
    }
  })();
  try {
    const d = await c.k(['delete', 'pod', gone.metadata.name ?? '', '--wait=true']);
    assert.is(d.code, 0, d.stderr);
    await waitFor(async () => (await webPods()).filter(ready).length === 3, {
      timeoutMs: 60_000,
      what: 'the replacement pod ready',
    });
  } finally {
    stop = true;
    await load;
  }
  assert.equal(failed, [], `${failed.length} requests failed after a retry (${served} served)`);
  assert.ok(served > 0);
});

test('bad input: a Service selecting nothing refuses at once; a NodePort clash is a clear error', async () => {
  const none = await c.k(['create', 'service', 'nodeport', 'empty', '--tcp=80:8080', '--node-port=30481']);
  assert.is(none.code, 0, none.stderr);
  await waitFor(async () => (await slice('empty')).length === 1, { what: 'the empty slice' });
  const t0 = Date.now();
  const r = await waitFor(
    async () => {
      const x = await run('curl', ['-sS', '--max-time', '5', `http://${BOARDS[0].ip}:30481/`]);
      // 7 = could not connect (nothing listening yet), 52/56 = the proxy accepted then reset.
      return x.code === 52 || x.code === 56 ? x : undefined;
    },
    { what: 'the proxy serves the empty Service by refusing' },
  );
  assert.ok(Date.now() - t0 < 10_000, r.stderr);
  const clash = await c.k([
    'create',
    'service',
    'nodeport',
    'clash',
    '--tcp=80:8080',
    `--node-port=${NODE_PORT}`,
  ]);
  assert.is.not(clash.code, 0);
  assert.match(
    clash.stderr,
    `spec.ports[0].nodePort: Invalid value: ${NODE_PORT}: provided port is already allocated`,
  );
  const still = await curl(`http://${BOARDS[1].ip}:${NODE_PORT}/`);
  assert.ok(still.body?.startsWith('web-'), JSON.stringify(still));
});

test.run();
