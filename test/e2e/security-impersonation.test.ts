// Who am I, who may act as whom, and may this user do that: kubectl auth whoami
// (SelfSubjectReview), impersonation headers (kubectl --as/--as-group) gated by the
// `impersonate` verb, and SubjectAccessReview for admins, on a real hub process with the real
// kubectl. Ivan holds no impersonate right; Hank may impersonate the user vera and the group
// auditors only. Each refused try is kube-apiserver's 403 and leaves every ConfigMap as it was;
// an allowed one acts as vera (her limits, not Hank's) and the audit log names both.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readKubeconfig } from '../../cli/api.js';
import { tlsFetch } from '../../hub/api/client-tls.js';
import { drover, type HubProcess, kubectl, killAll, run, startHubProcess } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

let hub: HubProcess;
let dir: string;
const kc = (who: string) => (who === 'admin' ? hub.kubeconfig : join(dir, `${who}.kubeconfig`));
const k = (who: string, ...args: string[]) => kubectl(args, { kubeconfig: kc(who) });

async function ok(who: string, ...args: string[]) {
  const r = await k(who, ...args);
  assert.is(r.code, 0, `${who}: kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function identity(who: string) {
  const r = await drover([
    'kubeconfig',
    'create',
    '--user',
    who,
    '--data-dir',
    hub.dataDir,
    '--out',
    kc(who),
  ]);
  assert.is(r.code, 0, r.stderr);
}

/** Every ConfigMap in default with its resourceVersion: what a refused try must not change. */
const configMaps = () =>
  ok(
    'admin',
    'get',
    'configmaps',
    '-n',
    'default',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name}@{.metadata.resourceVersion}{"\\n"}{end}',
  );

interface AuditLine {
  user: string;
  impersonatedUser?: { username: string; groups: string[] };
  verb: string;
  resource: string;
  name?: string;
  code: number;
}
const auditLines = (): AuditLine[] =>
  readFileSync(join(hub.dataDir, 'audit.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditLine);

/** Raw HTTPS as hank, with the headers kubectl would not send (groups without a user). */
async function asHank(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const f = tlsFetch(readKubeconfig(kc('hank')).tls);
  const res = await f(`${hub.apiUrl}${path}`, {
    method,
    headers: { accept: 'application/json', 'content-type': 'application/json', ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test.before(async () => {
  dir = tempDir('drover-sec-imp-');
  hub = await startHubProcess();
  for (const who of ['vera', 'ivan', 'hank']) await identity(who);
  await ok(
    'admin',
    'create',
    'rolebinding',
    'vera-edit',
    '--clusterrole=edit',
    '--user=vera',
    '-n',
    'default',
  );
  await ok(
    'admin',
    'create',
    'rolebinding',
    'ivan-view',
    '--clusterrole=view',
    '--user=ivan',
    '-n',
    'default',
  );
  await ok(
    'admin',
    'create',
    'clusterrole',
    'helpdesk',
    '--verb=impersonate',
    '--resource=users,groups',
    '--resource-name=vera',
    '--resource-name=auditors',
  );
  await ok('admin', 'create', 'clusterrolebinding', 'hank-helpdesk', '--clusterrole=helpdesk', '--user=hank');
  await ok('admin', 'create', 'configmap', 'settings', '-n', 'default', '--from-literal=a=b');
  // Bindings reach the authorizer by watch: wait until each is in force.
  await waitFor(
    async () =>
      (await k('admin', 'auth', 'can-i', 'impersonate', 'users/vera', '--as=hank')).stdout.trim() === 'yes',
    {
      what: 'hank may impersonate vera',
    },
  );
  await waitFor(
    async () =>
      (await k('vera', 'auth', 'can-i', 'create', 'configmaps', '-n', 'default')).stdout.trim() === 'yes',
    {
      what: 'vera may create configmaps',
    },
  );
});

test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

test('kubectl auth whoami names the user the hub authenticated; a bad credential gets 401', async () => {
  const who = (out: string) =>
    (JSON.parse(out) as { status: { userInfo: { username: string; groups: string[] } } }).status.userInfo;
  const admin = who(await ok('admin', 'auth', 'whoami', '-o', 'json'));
  assert.is(admin.username, 'kubernetes-admin');
  assert.ok(admin.groups.includes('system:masters'), admin.groups.join());
  const vera = who(await ok('vera', 'auth', 'whoami', '-o', 'json'));
  assert.equal(vera, { username: 'vera', groups: ['system:authenticated'] });
  // A token the hub never issued, alone (a client certificate would authenticate first).
  const ca = join(dir, 'ca.crt');
  const empty = join(dir, 'empty.kubeconfig');
  writeFileSync(ca, hub.caPem);
  writeFileSync(empty, '');
  const bad = await run('kubectl', [
    '--kubeconfig',
    empty,
    '--server',
    hub.apiUrl,
    '--certificate-authority',
    ca,
    '--token',
    'abcdef.0123456789abcdef',
    'auth',
    'whoami',
  ]);
  assert.is.not(bad.code, 0);
  assert.match(bad.stderr, /Unauthorized/);
});

test('a user without the impersonate verb: 403 in kube-apiserver words, nothing changes', async () => {
  const before = await configMaps();
  const tries: [string[], string][] = [
    [
      ['--as=vera', 'create', 'configmap', 'by-ivan', '-n', 'default'],
      'users "vera" is forbidden: User "ivan" cannot impersonate resource "users" in API group "" at the cluster scope',
    ],
    [
      [
        '--as=kubernetes-admin',
        '--as-group=system:masters',
        'delete',
        'configmap',
        'settings',
        '-n',
        'default',
      ],
      'users "kubernetes-admin" is forbidden: User "ivan" cannot impersonate resource "users"',
    ],
    [
      ['--as=system:serviceaccount:kube-system:default', 'create', 'configmap', 'by-ivan', '-n', 'default'],
      'serviceaccounts "default" is forbidden: User "ivan" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"',
    ],
  ];
  for (const [args, message] of tries) {
    const r = await k('ivan', ...args);
    assert.is.not(r.code, 0, args.join(' '));
    assert.ok(r.stderr.includes(message), `${args.join(' ')}: ${r.stderr}`);
  }
  assert.is(await configMaps(), before);
  const audited = auditLines().filter((l) => l.user === 'ivan' && l.code === 403);
  assert.ok(audited.length >= tries.length, 'each refusal is audited under ivan');
  assert.not.ok(
    auditLines().some((l) => l.user === 'ivan' && l.impersonatedUser),
    'no request ever acted as someone else for ivan',
  );
});

test('impersonation within the right acts as the target, with her limits; beyond it 403', async () => {
  const before = await configMaps();
  // Beyond the right: another user, a group he may not name, groups without a user.
  const refused: [string[], string][] = [
    [
      ['--as=olga', 'create', 'configmap', 'by-hank', '-n', 'default'],
      'users "olga" is forbidden: User "hank"',
    ],
    [
      ['--as=vera', '--as-group=system:masters', 'create', 'configmap', 'by-hank', '-n', 'default'],
      'groups "system:masters" is forbidden: User "hank" cannot impersonate resource "groups"',
    ],
  ];
  for (const [args, message] of refused) {
    const r = await k('hank', ...args);
    assert.is.not(r.code, 0, args.join(' '));
    assert.ok(r.stderr.includes(message), `${args.join(' ')}: ${r.stderr}`);
  }
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'by-hank' } };
  const groupOnly = await asHank(
    'POST',
    '/api/v1/namespaces/default/configmaps',
    { 'Impersonate-Group': 'auditors' },
    cm,
  );
  assert.is(groupOnly.status, 500);
  assert.match(String(groupOnly.body.message), 'without impersonating a user');
  // Hank himself may do nothing with ConfigMaps.
  assert.is((await k('hank', 'create', 'configmap', 'by-hank', '-n', 'default')).code, 1);
  assert.is(await configMaps(), before);

  // Within it: whoami and writes are vera's.
  const whoami = JSON.parse(
    await ok('hank', '--as=vera', '--as-group=auditors', 'auth', 'whoami', '-o', 'json'),
  ) as {
    status: { userInfo: { username: string; groups: string[] } };
  };
  assert.equal(whoami.status.userInfo, { username: 'vera', groups: ['auditors', 'system:authenticated'] });
  await ok('hank', '--as=vera', 'create', 'configmap', 'by-hank', '-n', 'default', '--from-literal=x=y');
  // Vera's limits, not Hank's: she may not list nodes.
  const nodes = await k('hank', '--as=vera', 'get', 'nodes');
  assert.ok(nodes.stderr.includes('User "vera" cannot list resource "nodes"'), nodes.stderr);
  const lines = auditLines();
  assert.ok(
    lines.some(
      (l) =>
        l.user === 'hank' &&
        l.impersonatedUser?.username === 'vera' &&
        l.verb === 'create' &&
        l.resource === 'configmaps' &&
        l.code === 201,
    ),
    'the write is audited with both names',
  );
  assert.ok(
    lines.some((l) => l.user === 'hank' && !l.impersonatedUser && l.code === 403),
    'refused impersonations are audited under hank',
  );
});

test('SubjectAccessReview: an admin asks for another user; others may not ask', async () => {
  const sar = (name: string, spec: unknown, kind = 'SubjectAccessReview', ns?: string) => {
    const p = join(dir, `${name}.json`);
    writeFileSync(
      p,
      JSON.stringify({
        apiVersion: 'authorization.k8s.io/v1',
        kind,
        metadata: ns ? { namespace: ns } : {},
        spec,
      }),
    );
    return p;
  };
  const allowed = async (who: string, file: string) =>
    (JSON.parse(await ok(who, 'create', '-f', file, '-o', 'json')) as { status: { allowed: boolean } }).status
      .allowed;
  const create = { verb: 'create', resource: 'configmaps', namespace: 'default' };
  assert.is(await allowed('admin', sar('vera-cm', { user: 'vera', resourceAttributes: create })), true);
  assert.is(
    await allowed(
      'admin',
      sar('vera-nodes', { user: 'vera', resourceAttributes: { verb: 'delete', resource: 'nodes' } }),
    ),
    false,
  );
  assert.is(
    await allowed(
      'admin',
      sar('masters', {
        user: 'x',
        groups: ['system:masters'],
        resourceAttributes: { verb: 'delete', resource: 'nodes' },
      }),
    ),
    true,
  );
  // The namespaced form answers for its own namespace only.
  assert.is(
    await allowed(
      'admin',
      sar(
        'local',
        { user: 'ivan', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'default' } },
        'LocalSubjectAccessReview',
        'default',
      ),
    ),
    true,
  );
  const other = await k(
    'admin',
    'create',
    '-f',
    sar(
      'local-x',
      { user: 'ivan', resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'kube-system' } },
      'LocalSubjectAccessReview',
      'default',
    ),
  );
  assert.match(other.stderr, 'must match metadata.namespace');
  const noOne = await k('admin', 'create', '-f', sar('no-one', { resourceAttributes: create }));
  assert.match(noOne.stderr, 'at least one of user or group must be specified');
  // Vera may not ask about others (it would reveal everyone's rights).
  const vera = await k('vera', 'create', '-f', sar('by-vera', { user: 'ivan', resourceAttributes: create }));
  assert.match(
    vera.stderr,
    'subjectaccessreviews.authorization.k8s.io is forbidden: User "vera" cannot create resource "subjectaccessreviews"',
  );
});

test.run();
