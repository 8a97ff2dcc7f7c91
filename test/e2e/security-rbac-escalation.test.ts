// RBAC escalation prevention as an attacker meets it: a real hub process, real kubectl, each
// identity a kubeconfig from the real `drover kubeconfig create`. Nina administers namespace
// team-a (the default `admin` ClusterRole bound there) and tries to make herself more; every
// try is a 403 Status in kube-apiserver's words and the stored RBAC objects are the same after.
// Then the ways that are meant to work: what one holds, the `bind` verb on a named role, the
// `escalate` verb.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readKubeconfig } from '../../cli/api.js';
import { tlsFetch } from '../../hub/api/client-tls.js';
import { drover, type HubProcess, kubectl, killAll, startHubProcess } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const NS = 'team-a';
const GRANT = 'is attempting to grant RBAC permissions not currently held';
let hub: HubProcess;
let dir: string;
const kc = (who: string) => join(dir, `${who}.kubeconfig`);
const k = (who: string, ...args: string[]) =>
  kubectl(args, { kubeconfig: who === 'admin' ? hub.kubeconfig : kc(who) });

async function ok(who: string, ...args: string[]) {
  const r = await k(who, ...args);
  assert.is(r.code, 0, `${who}: kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A manifest file for `kubectl apply -f`. */
function manifest(name: string, obj: unknown): string {
  const p = join(dir, `${name}.json`);
  writeFileSync(p, JSON.stringify(obj));
  return p;
}

const role = (name: string, rules: unknown[]) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name, namespace: NS },
  rules,
});

/** Every Role and binding the hub stores, with its resourceVersion: what an attack must not change. */
async function rbacSnapshot(): Promise<string> {
  const out = await ok(
    'admin',
    'get',
    'roles,rolebindings,clusterroles,clusterrolebindings',
    '-A',
    '-o',
    'jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name}@{.metadata.resourceVersion}{"\\n"}{end}',
  );
  return out.split('\n').sort().join('\n');
}

async function identity(who: string, user: string) {
  const r = await drover([
    'kubeconfig',
    'create',
    '--user',
    user,
    '--data-dir',
    hub.dataDir,
    '--out',
    kc(who),
  ]);
  assert.is(r.code, 0, r.stderr);
}

/** Waits until who may do verb on resource in team-a (bindings reach the authorizer by watch). */
const canI = (who: string, verb: string, resource: string) =>
  waitFor(async () => (await k(who, 'auth', 'can-i', verb, resource, '-n', NS)).stdout.trim() === 'yes', {
    what: `${who} may ${verb} ${resource} in ${NS}`,
  });

test.before(async () => {
  dir = tempDir('drover-sec-rbac-');
  hub = await startHubProcess();
  await ok('admin', 'create', 'namespace', NS);
  await identity('nina', 'nina');
  await ok('admin', 'create', 'rolebinding', 'nina-admin', '--clusterrole=admin', '--user=nina', '-n', NS);
  // A binding of cluster-admin in her namespace for someone else: a target for "add me" patches.
  await ok(
    'admin',
    'create',
    'rolebinding',
    'ops-root',
    '--clusterrole=cluster-admin',
    '--user=olga',
    '-n',
    NS,
  );
  await canI('nina', 'create', 'rolebindings');
  // Nina's own Role, made by herself within what she holds (allowed: admin covers it).
  await ok(
    'nina',
    'apply',
    '-f',
    manifest('helper', role('helper', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }])),
  );
  await ok('nina', 'create', 'rolebinding', 'helper', '--role=helper', '--user=nina', '-n', NS);
});

test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

test('a namespace admin cannot grant herself more: each try refused in Kubernetes words, nothing stored changes', async () => {
  const before = await rbacSnapshot();
  const attacks: [string, string[], string][] = [
    [
      'bind cluster-admin in her namespace',
      ['create', 'rolebinding', 'nina-root', '--clusterrole=cluster-admin', '--user=nina', '-n', NS],
      `rolebindings.rbac.authorization.k8s.io "nina-root" is forbidden: user "nina" (groups=["system:authenticated"]) ${GRANT}`,
    ],
    [
      'bind cluster-admin cluster-wide',
      ['create', 'clusterrolebinding', 'nina-root', '--clusterrole=cluster-admin', '--user=nina'],
      'clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "nina" cannot create resource "clusterrolebindings"',
    ],
    [
      'create a Role with * rules',
      ['apply', '-f', manifest('star', role('star', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]))],
      `roles.rbac.authorization.k8s.io "star" is forbidden: user "nina" (groups=["system:authenticated"]) ${GRANT}:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}`,
    ],
    [
      'patch her own Role to add verbs',
      [
        'patch',
        'role',
        'helper',
        '-n',
        NS,
        '--type=json',
        '-p',
        '[{"op":"add","path":"/rules/0/verbs/-","value":"*"}]',
      ],
      `roles.rbac.authorization.k8s.io "helper" is forbidden: user "nina" (groups=["system:authenticated"]) ${GRANT}:\n{APIGroups:[""], Resources:["pods"], Verbs:["*"]}`,
    ],
    [
      'patch her own Role to reach nodes',
      [
        'patch',
        'role',
        'helper',
        '-n',
        NS,
        '--type=merge',
        '-p',
        '{"rules":[{"apiGroups":[""],"resources":["nodes"],"verbs":["get"]}]}',
      ],
      `{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}`,
    ],
    [
      "bind by PATCH: add herself to ops-root's cluster-admin",
      [
        'patch',
        'rolebinding',
        'ops-root',
        '-n',
        NS,
        '--type=json',
        '-p',
        '[{"op":"add","path":"/subjects/-","value":{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"nina"}}]',
      ],
      `rolebindings.rbac.authorization.k8s.io "ops-root" is forbidden: user "nina" (groups=["system:authenticated"]) ${GRANT}`,
    ],
    [
      'bind cluster-admin with server dry-run',
      [
        'create',
        'rolebinding',
        'nina-dry',
        '--clusterrole=cluster-admin',
        '--user=nina',
        '-n',
        NS,
        '--dry-run=server',
      ],
      `rolebindings.rbac.authorization.k8s.io "nina-dry" is forbidden: user "nina" (groups=["system:authenticated"]) ${GRANT}`,
    ],
    [
      'replace her Role by PUT with one granting secrets in every group',
      [
        'replace',
        '-f',
        manifest(
          'helper-put',
          role('helper', [{ apiGroups: ['*'], resources: ['secrets'], verbs: ['get'] }]),
        ),
      ],
      '{APIGroups:["*"], Resources:["secrets"], Verbs:["get"]}',
    ],
  ];
  for (const [what, args, message] of attacks) {
    const r = await k('nina', ...args);
    assert.is(r.code, 1, `${what}: refused`);
    assert.ok(r.stderr.includes(message), `${what}: ${r.stderr}`);
  }
  assert.is(await rbacSnapshot(), before, 'no Role or binding changed');
  // What she could do stays what admin gives: no cluster-admin powers leaked in.
  assert.is((await k('nina', 'auth', 'can-i', 'get', 'nodes')).stdout.trim(), 'no');
  assert.is((await k('nina', 'auth', 'can-i', '*', '*', '-n', NS)).stdout.trim(), 'no');
});

test('the refusal is a 403 Status naming the object (over raw HTTPS)', async () => {
  const f = tlsFetch(readKubeconfig(kc('nina')).tls);
  const res = await f(`${hub.apiUrl}/apis/rbac.authorization.k8s.io/v1/namespaces/${NS}/rolebindings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      metadata: { name: 'raw-root' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'nina' }],
    }),
  });
  const s = (await res.json()) as Record<string, unknown>;
  assert.is(res.status, 403);
  assert.equal([s.kind, s.status, s.reason, s.code], ['Status', 'Failure', 'Forbidden', 403]);
  assert.equal(s.details, { name: 'raw-root', group: 'rbac.authorization.k8s.io', kind: 'rolebindings' });
  assert.match(String(s.message), GRANT);
  assert.match(String(s.message), '{APIGroups:["*"], Resources:["*"], Verbs:["*"]}');
  assert.match(String(s.message), '{NonResourceURLs:["*"], Verbs:["*"]}');
  assert.is((await k('admin', 'get', 'rolebinding', 'raw-root', '-n', NS)).code, 1, 'nothing stored');
});

test('what she holds she may grant: binding edit and a narrower Role work', async () => {
  await ok('nina', 'create', 'rolebinding', 'pat-edit', '--clusterrole=edit', '--user=pat', '-n', NS);
  await ok(
    'nina',
    'apply',
    '-f',
    manifest('reader', role('reader', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }])),
  );
  await ok(
    'nina',
    'create',
    'rolebinding',
    'pat-admin-dry',
    '--clusterrole=admin',
    '--user=pat',
    '-n',
    NS,
    '--dry-run=server',
  );
  assert.is(
    (await k('admin', 'get', 'rolebinding', 'pat-admin-dry', '-n', NS)).code,
    1,
    'dry run stores nothing',
  );
});

test('bind on one named role allows binding exactly that role', async () => {
  await identity('bob', 'bob');
  const binder = role('binder', [
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'], verbs: ['create'] },
    {
      apiGroups: ['rbac.authorization.k8s.io'],
      resources: ['clusterroles'],
      verbs: ['bind'],
      resourceNames: ['edit'],
    },
  ]);
  await ok('admin', 'apply', '-f', manifest('binder', binder));
  await ok('admin', 'create', 'rolebinding', 'bob-binder', '--role=binder', '--user=bob', '-n', NS);
  await canI('bob', 'create', 'rolebindings');
  // Bob holds none of edit's rules: only the bind verb lets him.
  await ok('bob', 'create', 'rolebinding', 'sam-edit', '--clusterrole=edit', '--user=sam', '-n', NS);
  const before = await rbacSnapshot();
  for (const other of ['admin', 'view', 'cluster-admin']) {
    const r = await k(
      'bob',
      'create',
      'rolebinding',
      `sam-${other}`,
      `--clusterrole=${other}`,
      '--user=sam',
      '-n',
      NS,
    );
    assert.is(r.code, 1, other);
    assert.ok(
      r.stderr.includes(`rolebindings.rbac.authorization.k8s.io "sam-${other}" is forbidden: user "bob"`),
      r.stderr,
    );
  }
  assert.is(await rbacSnapshot(), before);
});

test('a ClusterRoleBinding needs the rights cluster-wide: create alone is not enough', async () => {
  await identity('cara', 'cara');
  await ok(
    'admin',
    'create',
    'clusterrole',
    'crb-writer',
    '--verb=create',
    '--resource=clusterrolebindings.rbac.authorization.k8s.io',
  );
  await ok('admin', 'create', 'clusterrolebinding', 'cara-writer', '--clusterrole=crb-writer', '--user=cara');
  await waitFor(
    async () => (await k('cara', 'auth', 'can-i', 'create', 'clusterrolebindings')).stdout.trim() === 'yes',
    {
      what: 'cara may create clusterrolebindings',
    },
  );
  const before = await rbacSnapshot();
  for (const target of ['cluster-admin', 'view']) {
    const r = await k(
      'cara',
      'create',
      'clusterrolebinding',
      `cara-${target}`,
      `--clusterrole=${target}`,
      '--user=cara',
    );
    assert.is(r.code, 1, target);
    assert.ok(
      r.stderr.includes(
        `clusterrolebindings.rbac.authorization.k8s.io "cara-${target}" is forbidden: user "cara"`,
      ),
      r.stderr,
    );
  }
  assert.is(await rbacSnapshot(), before);
});

test('escalate allows creating a Role with rules one does not hold', async () => {
  await identity('erin', 'erin');
  const escalator = role('escalator', [
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['create', 'escalate'] },
  ]);
  await ok('admin', 'apply', '-f', manifest('escalator', escalator));
  await ok('admin', 'create', 'rolebinding', 'erin-escalator', '--role=escalator', '--user=erin', '-n', NS);
  await canI('erin', 'escalate', 'roles');
  await ok(
    'erin',
    'create',
    '-f',
    manifest('erin-star', role('erin-star', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }])),
  );
  // escalate is on roles in team-a only: not on clusterroles.
  const r = await k('erin', 'create', 'clusterrole', 'erin-cluster', '--verb=get', '--resource=pods');
  assert.is(r.code, 1);
  assert.match(r.stderr, 'cannot create resource "clusterroles"');
});

test.run();
