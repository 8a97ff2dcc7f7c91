// Pods end to end (real hub, two real agents on the real Docker engine, the real kubectl):
// a hostPort web server reachable over HTTP, get -o wide, an unschedulable pod with the
// scheduler's reason, nodeSelector, refused bad specs, logs (-f too), delete within grace.

import { spawn } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Node } from '../../shared/api/types.js';
import { getJson, nodeReady } from '../helpers/api.js';
import { parseTable } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';
import { Cluster, freePort, podYaml, running } from './pods-harness.js';

const c = new Cluster([
  { name: 'pb-a', labels: { zone: 'a' } },
  { name: 'pb-b', labels: { zone: 'b' } },
]);

test.before(() => c.start());
test.after(() => c.stop());

test('kubectl apply: a busybox httpd pod with a hostPort runs and answers HTTP; get -o wide', async () => {
  const port = await freePort();
  const r = await c.apply(
    podYaml({
      name: 'web',
      command: 'exec httpd -f -p 80 -h /www',
      container: `    ports:\n    - containerPort: 80\n      hostPort: ${port}\n`,
    }),
  );
  assert.is(r.code, 0, r.stderr);
  const t0 = Date.now();
  await c.waitPod('web', running, 'Running');
  console.log(`  apply -> Running in ${Date.now() - t0} ms`);
  const body = await waitFor(
    async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
      return res.ok ? res.text() : undefined;
    },
    { what: `HTTP GET on hostPort ${port}` },
  );
  assert.match(body, /drover test page/);
  const wide = await c.k(['get', 'pods', '-o', 'wide']);
  assert.is(wide.code, 0, wide.stderr);
  const row = parseTable(wide.stdout).find((x) => x.NAME === 'web');
  assert.ok(row, wide.stdout);
  assert.is(row.STATUS, 'Running');
  assert.is(row.READY, '1/1');
  assert.ok(['pb-a', 'pb-b'].includes(row.NODE), row.NODE);
  assert.match(row.IP, /^\d+\.\d+\.\d+\.\d+$/);
});

test('a pod asking more cpu than any node has stays Pending with the reason; describe shows FailedScheduling', async () => {
  const r = await c.apply(
    podYaml({
      name: 'huge',
      command: 'sleep 3600',
      container: '    resources:\n      requests:\n        cpu: "1000"\n',
    }),
  );
  assert.is(r.code, 0, r.stderr);
  const p = await c.waitPod(
    'huge',
    (p) => p.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.status === 'False') ?? false,
    'PodScheduled=False',
  );
  const cond = p.status?.conditions?.find((x) => x.type === 'PodScheduled');
  assert.is(cond?.reason, 'Unschedulable');
  assert.is(cond?.message, '0/2 nodes are available: 2 Insufficient cpu.');
  assert.is(p.status?.phase, 'Pending');
  assert.not.ok(p.spec.nodeName);
  const d = await waitFor(
    async () => {
      const out = await c.k(['describe', 'pod', 'huge']);
      return /FailedScheduling/.test(out.stdout) ? out : undefined;
    },
    { what: 'FailedScheduling in describe' },
  );
  assert.match(d.stdout, /0\/2 nodes are available: 2 Insufficient cpu/);
  // Not bound: no logs to read, and the API says why.
  const logs = await c.k(['logs', 'huge']);
  assert.is.not(logs.code, 0);
  assert.match(logs.stderr, /does not have a host assigned/);
  assert.is((await c.k(['delete', 'pod', 'huge'])).code, 0);
});

test('nodeSelector: the pod lands on the node with the matching label', async () => {
  const r = await c.apply(
    podYaml({ name: 'picky', command: 'sleep 3600', spec: '  nodeSelector:\n    drover.io/zone: b\n' }),
  );
  assert.is(r.code, 0, r.stderr);
  const p = await c.waitPod('picky', running, 'Running');
  assert.is(p.spec.nodeName, 'pb-b');
  const ctr = await c.containersOf('picky');
  assert.is(ctr.length, 1);
  assert.is(ctr[0].Labels['io.drover.node'], 'pb-b');
});

const BAD: [string, string, RegExp][] = [
  [
    'no image',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: bad1}\nspec:\n  containers:\n  - name: main\n',
    /image: Required value/,
  ],
  [
    'bad quantity',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: bad2}\nspec:\n  containers:\n  - name: main\n    image: x\n    resources: {limits: {memory: 12 parsecs}}\n',
    /quantit/i,
  ],
  [
    'duplicate container names',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: bad3}\nspec:\n  containers:\n  - {name: a, image: img1}\n  - {name: a, image: img2}\n',
    /Duplicate value: "a"/,
  ],
  [
    'unknown restartPolicy',
    'apiVersion: v1\nkind: Pod\nmetadata: {name: bad4}\nspec:\n  restartPolicy: Sometimes\n  containers:\n  - {name: a, image: x}\n',
    /restartPolicy: Unsupported value: "Sometimes"/,
  ],
];

test('bad pod specs are refused by kubectl apply with a clear message', async () => {
  for (const [what, yaml, msg] of BAD) {
    const r = await c.apply(yaml);
    assert.is.not(r.code, 0, `${what}: accepted`);
    assert.match(r.stderr, msg, `${what}: ${r.stderr}`);
  }
  const left = await c.k(['get', 'pods', '-o', 'name']);
  assert.not.match(left.stdout, /bad\d/);
});

test('kubectl logs, --tail, -c, -f (new lines arrive), 400 without a container name, 404 unknown pod', async () => {
  const r = await c.apply(
    podYaml({
      name: 'talker',
      command: 'echo start; i=0; while true; do i=$((i+1)); echo line $i; sleep 0.3; done',
      extraContainer:
        '  - name: side\n    image: drover-test/busybox:1\n    imagePullPolicy: IfNotPresent\n    command: ["sh", "-c", "echo from-side; exec sleep 3600"]\n',
    }),
  );
  assert.is(r.code, 0, r.stderr);
  await c.waitPod('talker', running, 'Running');
  const all = await waitFor(
    async () => {
      const l = await c.k(['logs', 'talker', '-c', 'main']);
      return /line 3\n/.test(l.stdout) ? l : undefined;
    },
    { what: 'three lines in kubectl logs' },
  );
  assert.match(all.stdout, /^start\nline 1\nline 2\n/);
  const tail = await c.k(['logs', 'talker', '-c', 'main', '--tail', '2']);
  assert.is(tail.code, 0, tail.stderr);
  assert.is(tail.stdout.trim().split('\n').length, 2, tail.stdout);
  const side = await c.k(['logs', 'talker', '-c', 'side']);
  assert.is(side.stdout, 'from-side\n');

  // The API itself: a multi-container pod needs a container name (kube-apiserver's message).
  const res = await fetch(`${c.hub.apiUrl}/api/v1/namespaces/default/pods/talker/log`);
  assert.is(res.status, 400);
  const st = (await res.json()) as { message: string };
  assert.is(st.message, 'a container name must be specified for pod talker, choose one of: [main side]');
  assert.is((await fetch(`${c.hub.apiUrl}/api/v1/namespaces/default/pods/nope/log`)).status, 404);
  const bad = await fetch(`${c.hub.apiUrl}/api/v1/namespaces/default/pods/talker/log?container=zz`);
  assert.is(bad.status, 400);

  // -f: lines keep arriving after the command started; killing kubectl ends the follow.
  const f = spawn('kubectl', [
    '--kubeconfig',
    c.hub.kubeconfig,
    'logs',
    '-f',
    'talker',
    '-c',
    'main',
    '--tail',
    '1',
  ]);
  let out = '';
  f.stdout.on('data', (d) => {
    out += d;
  });
  try {
    const first = await waitFor(() => /line (\d+)/.exec(out)?.[1], { what: 'first followed line' });
    await waitFor(() => out.includes(`line ${Number(first) + 3}\n`), {
      what: `line ${Number(first) + 3} followed`,
      timeoutMs: 10_000,
    });
    assert.is(f.exitCode, null, 'kubectl logs -f is still following');
  } finally {
    f.kill('SIGKILL');
  }
});

test('kubectl delete pod: SIGTERM, SIGKILL after the grace, the object and the container disappear', async () => {
  // PID 1 sh ignores SIGTERM: the container dies only by the SIGKILL at the end of the 2 s grace.
  const r = await c.apply(podYaml({ name: 'doomed', command: 'while true; do sleep 1; done', grace: 2 }));
  assert.is(r.code, 0, r.stderr);
  await c.waitPod('doomed', running, 'Running');
  assert.is((await c.containersOf('doomed')).length, 1);
  const t0 = Date.now();
  const d = await c.k(['delete', 'pod', 'doomed'], 30_000);
  const ms = Date.now() - t0;
  console.log(`  kubectl delete (grace 2 s) returned in ${ms} ms`);
  assert.is(d.code, 0, d.stderr);
  assert.ok(ms >= 1500 && ms < 8000, `delete took ${ms} ms`);
  const g = await c.k(['get', 'pod', 'doomed']);
  assert.match(g.stderr, /NotFound/);
  await waitFor(async () => (await c.containersOf('doomed')).length === 0, { what: 'container removed' });
});

test('no Docker engine: the agent runs, reports RuntimeReady=False, its pod says why it waits', async () => {
  c.startAgent('pb-nodocker', { args: ['--docker-socket', '/nonexistent/docker.sock'] });
  await waitFor(async () => (await nodeReady(c.hub.apiUrl, 'pb-nodocker')) === 'True', {
    timeoutMs: 15_000,
    what: 'pb-nodocker Ready (the agent itself is up)',
  });
  const n = await getJson<Node>(c.hub.apiUrl, '/api/v1/nodes/pb-nodocker');
  const rt = n.status?.conditions?.find((x) => x.type === 'RuntimeReady');
  assert.is(rt?.status, 'False');
  assert.match(rt?.message ?? '', /nonexistent/);
  const r = await c.apply(
    podYaml({ name: 'stranded', command: 'sleep 3600', spec: '  nodeName: pb-nodocker\n' }),
  );
  assert.is(r.code, 0, r.stderr);
  const p = await c.waitPod(
    'stranded',
    (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'RuntimeUnavailable',
    'waiting with reason RuntimeUnavailable',
    20_000,
  );
  assert.is(p.status?.phase, 'Pending');
  assert.match(p.status?.containerStatuses?.[0]?.state?.waiting?.message ?? '', /did not answer/);
});

test.run();
