// HorizontalPodAutoscaler end to end (real hub, a real agent on the real Docker engine, the real
// kubectl): `kubectl autoscale` creates it (autoscaling/v1, as kubectl 1.32 posts it) and `kubectl
// get hpa` shows upstream's columns; a Deployment whose pods burn CPU against a 50m request
// scales up; once they stop it scales back down after the HPA's own scale-down window (set
// short in its behavior, not a changed default). Bad input is refused with a Status.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { HorizontalPodAutoscaler } from '../../shared/api/autoscaling.js';
import type { Deployment } from '../../shared/api/apps.js';
import type { KubeList, Pod } from '../../shared/api/types.js';
import { getJson } from '../helpers/api.js';
import { parseTable } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';
import { Cluster, IMAGE, running } from './pods-harness.js';

// Usage sampled every second and HPAs re-evaluated every second (defaults 15 s, as
// metrics-server and kube-controller-manager): the same decisions, sooner.
const c = new Cluster([{ name: 'hpa-a' }], ['--metrics-interval', '1s'], {}, ['--hpa-sync-period', '1s']);
test.before(() => c.start());
test.after(() => c.stop());

// Burns CPU until /tmp/stop exists, then idles (a file per pod: new pods burn too). Its 250m
// limit is still 5x its request (the HPA sees 500%), and three burners take 3/4 of a core, not
// all the cores of a 2-core machine from the test files running beside this one.
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: burn
spec:
  replicas: 1
  selector:
    matchLabels: {app: burn}
  template:
    metadata:
      labels: {app: burn}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: ${IMAGE}
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "while true; do if [ -f /tmp/stop ]; then sleep 1; else :; fi; done"]
        resources:
          requests: {cpu: 50m}
          limits: {cpu: 250m}
`;

const hpa = async () =>
  getJson<HorizontalPodAutoscaler>(
    c.hub.apiUrl,
    '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/burn',
  );
const replicas = async () =>
  (await getJson<Deployment>(c.hub.apiUrl, '/apis/apps/v1/namespaces/default/deployments/burn')).spec
    .replicas ?? 0;
const condition = (h: HorizontalPodAutoscaler, type: string) =>
  h.status?.conditions?.find((x) => x.type === type);

test('kubectl autoscale: the HPA scales a CPU-burning Deployment up, and down after its window', async () => {
  assert.is((await c.apply(deployment)).code, 0);
  const made = await c.k(['autoscale', 'deployment', 'burn', '--cpu-percent=50', '--min=1', '--max=3']);
  assert.is(made.code, 0, made.stderr);
  // A short scale-down window in the HPA's own behavior (upstream's default is 300 s).
  const patched = await c.k([
    'patch',
    'hpa',
    'burn',
    '--type=merge',
    '-p',
    JSON.stringify({ spec: { behavior: { scaleDown: { stabilizationWindowSeconds: 3 } } } }),
  ]);
  assert.is(patched.code, 0, patched.stderr);
  const fresh = parseTable((await c.k(['get', 'hpa'])).stdout).find((r) => r.NAME === 'burn');
  assert.equal(
    { ref: fresh?.REFERENCE, min: fresh?.MINPODS, max: fresh?.MAXPODS },
    { ref: 'Deployment/burn', min: '1', max: '3' },
  );
  assert.match(fresh?.TARGETS ?? '', /^cpu: (<unknown>|\d+%)\/50%$/);

  let last: HorizontalPodAutoscaler | undefined;
  const up = await waitFor(
    async () => {
      last = await hpa();
      const n = await replicas();
      return n >= 2 ? n : undefined;
    },
    { what: 'the HPA scales burn up', timeoutMs: 120_000, intervalMs: 500 },
  ).catch((e: Error) => {
    throw new Error(`${e.message}; last HPA status: ${JSON.stringify(last?.status)}\n${c.tails()}`);
  });
  const h = await hpa();
  const util = h.status?.currentMetrics?.[0]?.resource?.current.averageUtilization ?? 0;
  console.log(`  scaled up to ${up}; utilization ${util}% of requests (target 50%)`);
  assert.ok(util > 55, `utilization ${util}% is above the target's tolerance`);
  assert.is(condition(h, 'ScalingActive')?.status, 'True');
  assert.is(condition(h, 'ScalingActive')?.reason, 'ValidMetricFound');
  assert.is(condition(h, 'AbleToScale')?.status, 'True');
  const events = await c.k([
    'get',
    'events',
    '--field-selector',
    'involvedObject.name=burn,reason=SuccessfulRescale',
  ]);
  assert.match(
    events.stdout,
    /New size: \d+; reason: cpu resource utilization \(percentage of request\) above target/,
  );
  const row = parseTable((await c.k(['get', 'hpa'])).stdout).find((r) => r.NAME === 'burn');
  assert.match(row?.TARGETS ?? '', /^cpu: \d+%\/50%$/);

  // Stop the load in every pod of the Deployment, the ones the HPA added included.
  await waitFor(
    async () => {
      const pods = await getJson<KubeList<Pod>>(
        c.hub.apiUrl,
        '/api/v1/namespaces/default/pods?labelSelector=app%3Dburn',
      );
      const live = pods.items.filter((p) => !p.metadata.deletionTimestamp);
      if (live.length < up || !live.every(running)) return undefined;
      const told = await Promise.all(
        live.map((p) => c.k(['exec', p.metadata.name ?? '', '--', 'touch', '/tmp/stop'])),
      );
      return told.every((r) => r.code === 0);
    },
    { what: `all ${up} burn pods running and told to stop`, timeoutMs: 60_000, intervalMs: 1000 },
  );
  await waitFor(async () => ((await replicas()) === 1 ? true : undefined), {
    what: 'the HPA scales burn back to 1 once the load stopped',
    timeoutMs: 150_000,
    intervalMs: 500,
  }).catch(async (e: Error) => {
    throw new Error(`${e.message}; HPA status: ${JSON.stringify((await hpa()).status)}`);
  });
  const after = await hpa();
  assert.is(after.status?.desiredReplicas, 1);
  console.log(
    `  scaled down to 1; utilization ${after.status?.currentMetrics?.[0]?.resource?.current.averageUtilization}%`,
  );
});

test('bad HPAs are refused with a Status naming the field; nothing is created', async () => {
  const bad = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: bad}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: burn}
  minReplicas: 3
  maxReplicas: 2
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 0}}
`;
  const r = await c.apply(bad);
  assert.is(r.code, 1);
  assert.match(
    r.stderr,
    /spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`/,
  );
  assert.match(r.stderr, /averageUtilization: Invalid value: 0: must be greater than 0/);
  const get = await c.k(['get', 'hpa', 'bad']);
  assert.is(get.code, 1);
  assert.match(get.stderr, /NotFound/);
  // A target that does not exist: AbleToScale False, as upstream reports it.
  assert.is((await c.k(['autoscale', 'deployment', 'burn', '--name=ghost', '--max=2'])).code, 0);
  const patched = await c.k([
    'patch',
    'hpa',
    'ghost',
    '--type=json',
    '-p',
    '[{"op":"replace","path":"/spec/scaleTargetRef/name","value":"nothing"}]',
  ]);
  assert.is(patched.code, 0, patched.stderr);
  const ghost = await waitFor(
    async () => {
      const h = await getJson<HorizontalPodAutoscaler>(
        c.hub.apiUrl,
        '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/ghost',
      );
      return h;
    },
    { what: 'ghost HPA', timeoutMs: 5000 },
  );
  assert.is(ghost.apiVersion, 'autoscaling/v1');
  const v2 = await waitFor(
    async () => {
      const h = await getJson<HorizontalPodAutoscaler>(
        c.hub.apiUrl,
        '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/ghost',
      );
      const cond = condition(h, 'AbleToScale');
      return cond?.reason === 'FailedGetScale' ? cond : undefined;
    },
    { what: 'AbleToScale False for a missing target', timeoutMs: 30_000, intervalMs: 500 },
  );
  assert.is(v2.status, 'False');
  assert.match(v2.message ?? '', /unable to get the target's current scale: .*not found/);
});

test.run();
