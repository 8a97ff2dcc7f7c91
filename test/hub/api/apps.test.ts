// apps/v1 kinds on the API: discovery, defaults, validation, immutable selector, generation,
// table columns, the scale subresource; with the real kubectl where it is the client.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerAppsSubresources } from '../../../hub/api/resources/apps-scale.js';
import type { DaemonSet, Deployment } from '../../../shared/api/apps.js';
import { startApi, type TestApi } from './helpers.js';

let t: TestApi;
let kubeconfig: string;
test.before(async () => {
  t = await startApi();
  registerAppsSubresources(t.api);
  kubeconfig = join(t.dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: d, cluster: {server: "${t.api.url}"}}]
users: [{name: u, user: {}}]
contexts: [{name: d, context: {cluster: d, user: u, namespace: default}}]
current-context: d
`,
  );
});
test.after(async () => t.stop());

function kubectl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile(
      'kubectl',
      args,
      { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: t.dir }, timeout: 30_000 },
      (e, out, err) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
    ),
  );
}

async function http(method: string, path: string, body?: unknown, type = 'application/json') {
  const res = await fetch(`${t.api.url}${path}`, {
    method,
    headers: { 'content-type': type, accept: 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { code: res.status, body: (await res.json()) as Record<string, unknown> };
}

function dep(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
      },
      ...spec,
    },
  };
}

const DEPS = '/apis/apps/v1/namespaces/default/deployments';

test('discovery lists deployments, replicasets, daemonsets with short names and subresources', async () => {
  const r = await http('GET', '/apis/apps/v1');
  const res = r.body.resources as {
    name: string;
    shortNames?: string[];
    kind: string;
    group?: string;
    version?: string;
  }[];
  const by = (n: string) => res.find((x) => x.name === n);
  assert.equal(by('deployments')?.shortNames, ['deploy']);
  assert.equal(by('replicasets')?.shortNames, ['rs']);
  assert.equal(by('daemonsets')?.shortNames, ['ds']);
  assert.is(by('deployments/scale')?.kind, 'Scale');
  assert.is(by('deployments/scale')?.group, 'autoscaling');
  assert.ok(by('replicasets/scale'));
  assert.ok(by('daemonsets/status'));
  assert.not.ok(by('daemonsets/scale'));
  const api = await kubectl('api-resources', '--api-group=apps');
  assert.match(api.out, /deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
});

test('a Deployment is defaulted as Kubernetes does', async () => {
  const r = await http('POST', DEPS, dep('defaults'));
  assert.is(r.code, 201, JSON.stringify(r.body));
  const d = r.body as unknown as Deployment;
  assert.is(d.spec.replicas, 1);
  assert.equal(d.spec.strategy, {
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
  });
  assert.is(d.spec.revisionHistoryLimit, 10);
  assert.is(d.spec.progressDeadlineSeconds, 600);
  assert.is(d.spec.template.spec.restartPolicy, 'Always');
  assert.is(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.is(d.metadata.generation, 1);
  assert.equal(d.status, {});
  const rec = await http('POST', DEPS, dep('rec', { strategy: { type: 'Recreate' } }));
  assert.equal((rec.body as unknown as Deployment).spec.strategy, { type: 'Recreate' });
});

test('validation refuses bad Deployments with field messages', async () => {
  const cases: { name: string; spec: Record<string, unknown>; want: RegExp }[] = [
    {
      name: 'neg',
      spec: { replicas: -1 },
      want: /spec.replicas: Invalid value: -1: must be greater than or equal to 0/,
    },
    { name: 'nosel', spec: { selector: undefined }, want: /spec.selector: Required value/ },
    { name: 'emptysel', spec: { selector: {} }, want: /empty selector is invalid/ },
    {
      name: 'mismatch',
      spec: { selector: { matchLabels: { app: 'other' } } },
      want: /`selector` does not match template `labels`/,
    },
    {
      name: 'zero',
      spec: { strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } },
      want: /may not be 0 when `maxSurge` is 0/,
    },
    {
      name: 'pct',
      spec: { strategy: { rollingUpdate: { maxSurge: 'lots' } } },
      want: /a valid percent string must be/,
    },
    {
      name: 'over',
      spec: { strategy: { rollingUpdate: { maxUnavailable: '150%' } } },
      want: /must not be greater than 100%/,
    },
    {
      name: 'negsurge',
      spec: { strategy: { rollingUpdate: { maxSurge: -1 } } },
      want: /maxSurge: Invalid value: -1/,
    },
    {
      name: 'rec',
      spec: { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } },
      want: /may not be specified when strategy `type` is 'Recreate'/,
    },
    {
      name: 'deadline',
      spec: { minReadySeconds: 10, progressDeadlineSeconds: 5 },
      want: /must be greater than minReadySeconds/,
    },
    {
      name: 'never',
      spec: {
        template: {
          metadata: { labels: { app: 'never' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] },
        },
      },
      want: /spec.template.spec.restartPolicy: Unsupported value: "Never"/,
    },
    {
      name: 'noimage',
      spec: { template: { metadata: { labels: { app: 'noimage' } }, spec: { containers: [{ name: 'c' }] } } },
      want: /spec.template.spec.containers\[0\].image: Required value/,
    },
  ];
  for (const c of cases) {
    const r = await http('POST', DEPS, dep(c.name, c.spec));
    assert.is(r.code, 422, `${c.name}: ${JSON.stringify(r.body)}`);
    assert.match(String(r.body.message), c.want, c.name);
  }
  const unknown = await http(
    'POST',
    DEPS,
    dep('unk', {
      template: {
        metadata: { labels: { app: 'unk' } },
        spec: { containers: [{ name: 'c', image: 'x', imagee: 'y' }] },
      },
    }),
  );
  assert.is(unknown.code, 400);
  assert.match(String(unknown.body.message), /unknown field "spec.template.spec.containers\[0\].imagee"/);
});

test('selector is immutable; spec changes bump generation, status writes do not', async () => {
  await http('POST', DEPS, dep('imm'));
  const sel = await http(
    'PATCH',
    `${DEPS}/imm`,
    {
      spec: {
        selector: { matchLabels: { app: 'imm', x: 'y' } },
        template: { metadata: { labels: { app: 'imm', x: 'y' } } },
      },
    },
    'application/merge-patch+json',
  );
  assert.is(sel.code, 422);
  assert.match(String(sel.body.message), /spec.selector: Invalid value: .*field is immutable/);
  const up = await http('PATCH', `${DEPS}/imm`, { spec: { replicas: 4 } }, 'application/merge-patch+json');
  assert.is((up.body as unknown as Deployment).metadata.generation, 2);
  const st = await http(
    'PATCH',
    `${DEPS}/imm/status`,
    { status: { replicas: 4, observedGeneration: 2 } },
    'application/merge-patch+json',
  );
  assert.is(st.code, 200);
  assert.is((st.body as unknown as Deployment).metadata.generation, 2);
  assert.is((st.body as unknown as Deployment).status?.replicas, 4);
  // the main resource ignores .status
  const ign = await http(
    'PATCH',
    `${DEPS}/imm`,
    { status: { replicas: 99 } },
    'application/merge-patch+json',
  );
  assert.is((ign.body as unknown as Deployment).status?.replicas, 4);
});

test('scale subresource: GET, merge PATCH and PUT with a stale resourceVersion', async () => {
  const g = await http('GET', `${DEPS}/imm/scale`);
  assert.is(g.code, 200);
  assert.equal(g.body.spec, { replicas: 4 });
  assert.is(g.body.apiVersion, 'autoscaling/v1');
  const p = await http(
    'PATCH',
    `${DEPS}/imm/scale`,
    { spec: { replicas: 2 } },
    'application/merge-patch+json',
  );
  assert.is(p.code, 200, JSON.stringify(p.body));
  assert.is(
    (await http('GET', `${DEPS}/imm`)).body.spec &&
      ((await http('GET', `${DEPS}/imm`)).body as unknown as Deployment).spec.replicas,
    2,
  );
  const stale = await http('PUT', `${DEPS}/imm/scale`, { ...g.body, spec: { replicas: 7 } });
  assert.is(stale.code, 409);
  const neg = await http(
    'PATCH',
    `${DEPS}/imm/scale`,
    { spec: { replicas: -3 } },
    'application/merge-patch+json',
  );
  assert.is(neg.code, 422);
  assert.match((await kubectl('scale', 'deploy/imm', '--replicas=6')).out, /scaled/);
  assert.is(((await http('GET', `${DEPS}/imm`)).body as unknown as Deployment).spec.replicas, 6);
  assert.is((await http('GET', '/apis/apps/v1/namespaces/default/daemonsets/none/scale')).code, 404);
});

test('DaemonSet: defaults, validation and kubectl get ds columns', async () => {
  const ds = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'collector' },
    spec: {
      selector: { matchLabels: { app: 'collector' } },
      template: {
        metadata: { labels: { app: 'collector' } },
        spec: { nodeSelector: { region: 'north' }, containers: [{ name: 'c', image: 'collector:1' }] },
      },
    },
  };
  const r = await http('POST', '/apis/apps/v1/namespaces/default/daemonsets', ds);
  assert.is(r.code, 201, JSON.stringify(r.body));
  const got = r.body as unknown as DaemonSet;
  assert.equal(got.spec.updateStrategy, {
    type: 'RollingUpdate',
    rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
  });
  assert.is(got.spec.revisionHistoryLimit, 10);
  const out = await kubectl('get', 'ds');
  assert.match(out.out, /NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE/);
  assert.match(out.out, /collector\s+0\s+0\s+0\s+0\s+0\s+region=north\s+/);
  const bad = await http('POST', '/apis/apps/v1/namespaces/default/daemonsets', {
    ...ds,
    metadata: { name: 'b' },
    spec: { ...ds.spec, updateStrategy: { type: 'Sometimes' } },
  });
  assert.is(bad.code, 422);
});

test('kubectl get deploy and rs show the upstream columns', async () => {
  const out = await kubectl('get', 'deploy', 'imm', '-o', 'wide');
  assert.match(out.out, /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
  assert.match(out.out, /imm\s+0\/6\s+0\s+0\s+\S+\s+c\s+nginx:1\s+app=imm/);
  const rs = await kubectl('get', 'rs');
  assert.match(rs.out + rs.err, /No resources found|NAME\s+DESIRED\s+CURRENT\s+READY/);
});

test.run();
