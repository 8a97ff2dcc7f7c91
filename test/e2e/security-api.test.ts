// The API as an attacker meets it: a real hub process over real HTTPS, real kubectl, identities
// made with the real `drover kubeconfig create`. Every refusal is a Kubernetes Status (401 or
// 403) and nothing it tried to write exists afterwards.

import { readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readKubeconfig } from '../../cli/api.js';
import { type ClientTls, tlsFetch } from '../../hub/api/client-tls.js';
import { loadOrCreateCa } from '../../hub/auth/pki.js';
import { ServiceAccountTokens } from '../../hub/auth/serviceaccount-tokens.js';
import { drover, type HubProcess, kubectl, killAll, startHubProcess } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

let hub: HubProcess;
let admin: ClientTls;
let dir: string;
const kc = (name: string) => join(dir, `${name}.kubeconfig`);

/** One connection pool per identity, as a real client keeps (a pool per call would pile up sockets). */
const fetchers = new WeakMap<ClientTls, ReturnType<typeof tlsFetch>>();

async function call(
  tls: ClientTls,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  let f = fetchers.get(tls);
  if (!f) {
    f = tlsFetch(tls);
    fetchers.set(tls, f);
  }
  const res = await f(`${hub.apiUrl}${path}`, {
    method,
    headers: {
      accept: 'application/json',
      ...(opts.body ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    ...(opts.body ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

const adminCall = (method: string, path: string, body?: unknown) => call(admin, method, path, { body });
let anonymous: ClientTls;
const caOnly = () => anonymous;
const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' } });
const CMS = '/api/v1/namespaces/default/configmaps';

async function k(name: string, ...args: string[]) {
  return kubectl(args, { kubeconfig: kc(name) });
}

async function identity(name: string, user: string, groups: string[] = []) {
  const r = await drover([
    'kubeconfig',
    'create',
    '--user',
    user,
    ...(groups.length ? ['--group', groups.join(',')] : []),
    '--data-dir',
    hub.dataDir,
    '--out',
    kc(name),
  ]);
  assert.is(r.code, 0, r.stderr);
}

test.before(async () => {
  dir = tempDir('drover-sec-api-');
  hub = await startHubProcess({ args: ['--api-headers-timeout', '2s', '--api-max-connections', '64'] });
  admin = readKubeconfig(hub.kubeconfig).tls;
  anonymous = { caPem: admin.caPem };
  writeFileSync(kc('admin'), readFileSync(hub.kubeconfig));
});

test.after(async () => {
  await killAll();
  cleanupTempDirs();
});

test('health and version answer anyone; everything else needs a credential', async () => {
  for (const p of ['/healthz', '/readyz', '/version'])
    assert.is((await call(caOnly(), 'GET', p)).status, 200, p);
  const r = await call(caOnly(), 'GET', '/api/v1/namespaces');
  assert.is(r.status, 401);
  assert.equal([r.body.kind, r.body.reason, r.body.code], ['Status', 'Unauthorized', 401]);
  assert.is((await call(caOnly(), 'GET', '/metrics')).status, 401);
});

test('refused credentials: 401 and nothing written', async () => {
  // A certificate saying system:masters, from a CA the hub never trusted.
  const rogue = await loadOrCreateCa(tempDir('drover-rogue-ca-'));
  const forged = await rogue.issueClientCert({ user: 'mallory', groups: ['system:masters'] });
  // A bootstrap token that expired, and one that was deleted.
  const expiredId = 'exp123';
  const expired = `${expiredId}.0123456789abcdef`;
  const past = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const tokenSecret = (id: string, data: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    data: { 'token-id': b64(id), 'usage-bootstrap-authentication': b64('true'), ...data },
  });
  const secrets = '/api/v1/namespaces/kube-system/secrets';
  assert.is(
    (
      await adminCall(
        'POST',
        secrets,
        tokenSecret(expiredId, { 'token-secret': b64('0123456789abcdef'), expiration: b64(past) }),
      )
    ).status,
    201,
  );
  const deleted = 'del456.0123456789abcdef';
  assert.is(
    (await adminCall('POST', secrets, tokenSecret('del456', { 'token-secret': b64('0123456789abcdef') })))
      .status,
    201,
  );
  // Proves the token works before it is deleted (the refusal below is the deletion's doing).
  assert.is((await call(caOnly(), 'GET', '/api', { token: deleted })).status, 200);
  assert.is((await adminCall('DELETE', `${secrets}/bootstrap-token-del456`)).status, 200);
  // A ServiceAccount token that expired (signed by the hub's own key), and one whose account was deleted.
  assert.is(
    (await adminCall('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'gone' } }))
      .status,
    201,
  );
  const tr = await adminCall('POST', '/api/v1/namespaces/default/serviceaccounts/gone/token', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {},
  });
  const goneToken = (tr.body.status as { token: string }).token;
  assert.is((await call(caOnly(), 'GET', '/api', { token: goneToken })).status, 200);
  const sa = (await adminCall('GET', '/api/v1/namespaces/default/serviceaccounts/gone')).body as {
    metadata: { uid: string };
  };
  const signer = await ServiceAccountTokens.open(hub.dataDir);
  const stale = signer.issue(
    { namespace: 'default', name: 'gone', uid: sa.metadata.uid },
    600,
    undefined,
    Date.now() - 7200_000,
  );
  assert.is((await adminCall('DELETE', '/api/v1/namespaces/default/serviceaccounts/gone')).status, 200);

  const attempts: [string, ClientTls, string | undefined][] = [
    ['no credential', caOnly(), undefined],
    [
      'certificate from another CA',
      { caPem: admin.caPem, certPem: forged.certPem, keyPem: forged.keyPem },
      undefined,
    ],
    ['garbage bearer token', caOnly(), 'not-a-token'],
    ['expired bootstrap token', caOnly(), expired],
    ['deleted bootstrap token', caOnly(), deleted],
    ['token of a deleted service account', caOnly(), goneToken],
    ['expired service account token', caOnly(), stale],
    [
      'token signed by another key',
      caOnly(),
      (await ServiceAccountTokens.open(tempDir('drover-rogue-sa-'))).issue(
        { namespace: 'default', name: 'x', uid: 'u' },
        600,
      ),
    ],
  ];
  for (const [what, tls, token] of attempts) {
    const name = `attack-${attempts.findIndex((a) => a[0] === what)}`;
    const r = await call(tls, 'POST', CMS, { body: cm(name), token });
    assert.is(r.status, 401, what);
    assert.is(r.body.reason, 'Unauthorized', what);
    assert.is((await adminCall('GET', `${CMS}/${name}`)).status, 404, `${what}: nothing written`);
  }
});

test('a view user reads but cannot write or read secrets: 403 in Kubernetes words, nothing written', async () => {
  await identity('viewer', 'vera', ['auditors']);
  const bind = await k(
    'admin',
    'create',
    'rolebinding',
    'vera-view',
    '--clusterrole=view',
    '--group=auditors',
    '-n',
    'default',
  );
  assert.is(bind.code, 0, bind.stderr);
  await waitFor(
    async () => (await k('viewer', 'auth', 'can-i', 'list', 'pods', '-n', 'default')).stdout.trim() === 'yes',
    {
      what: 'the view binding to take effect',
    },
  );
  assert.is((await k('viewer', 'get', 'configmaps', '-n', 'default')).code, 0);
  assert.is((await k('viewer', 'auth', 'can-i', 'create', 'secrets', '-n', 'default')).stdout.trim(), 'no');
  assert.is((await k('viewer', 'auth', 'can-i', 'list', 'pods', '-n', 'kube-system')).stdout.trim(), 'no');

  await adminCall('POST', '/api/v1/namespaces/default/secrets', {
    metadata: { name: 'keep' },
    stringData: { k: 'v' },
  });
  const create = await k(
    'viewer',
    'create',
    'secret',
    'generic',
    'stolen',
    '--from-literal=a=b',
    '-n',
    'default',
  );
  assert.is(create.code, 1);
  assert.match(
    create.stderr,
    'secrets is forbidden: User "vera" cannot create resource "secrets" in API group "" in the namespace "default"',
  );
  const read = await k('viewer', 'get', 'secret', 'keep', '-n', 'default', '-o', 'yaml');
  assert.match(read.stderr, 'secrets "keep" is forbidden: User "vera" cannot get resource "secrets"');
  assert.not.match(read.stdout, 'data');
  const list = await k('viewer', 'get', 'secrets', '-n', 'default');
  assert.match(list.stderr, 'cannot list resource "secrets"');
  const del = await k('viewer', 'delete', 'secret', 'keep', '-n', 'default');
  assert.match(del.stderr, 'cannot delete resource "secrets"');
  const watch = await call(
    readKubeconfig(kc('viewer')).tls,
    'GET',
    '/api/v1/namespaces/default/secrets?watch=true',
  );
  assert.is(watch.status, 403);
  assert.is((await adminCall('GET', '/api/v1/namespaces/default/secrets/stolen')).status, 404);
  assert.is((await adminCall('GET', '/api/v1/namespaces/default/secrets/keep')).status, 200);
  // Subresources are their own resources: view may not scale or read cluster-scoped nodes.
  assert.is(
    (await k('viewer', 'auth', 'can-i', 'update', 'deployments/scale', '-n', 'default')).stdout.trim(),
    'no',
  );
  assert.is((await k('viewer', 'auth', 'can-i', 'list', 'nodes')).stdout.trim(), 'no');
});

test('a node identity reaches only its own Node, its pods and the secrets they use', async () => {
  for (const n of ['sec-x', 'sec-y'])
    assert.is((await adminCall('POST', '/api/v1/nodes', { metadata: { name: n } })).status, 201, n);
  const pod = (name: string, node: string, secret: string) => ({
    metadata: { name },
    spec: {
      nodeName: node,
      containers: [
        {
          name: 'c',
          image: 'busybox',
          env: [{ name: 'S', valueFrom: { secretKeyRef: { name: secret, key: 'k' } } }],
        },
      ],
    },
  });
  for (const [p, n, s] of [
    ['px', 'sec-x', 'sx'],
    ['py', 'sec-y', 'sy'],
  ]) {
    assert.is(
      (
        await adminCall('POST', '/api/v1/namespaces/default/secrets', {
          metadata: { name: s },
          stringData: { k: s },
        })
      ).status,
      201,
    );
    assert.is((await adminCall('POST', '/api/v1/namespaces/default/pods', pod(p, n, s))).status, 201);
  }
  await identity('node-x', 'system:node:sec-x', ['system:nodes']);
  const x = readKubeconfig(kc('node-x')).tls;
  const cases: [string, string, number][] = [
    ['own Node', '/api/v1/nodes/sec-x', 200],
    ['another Node', '/api/v1/nodes/sec-y', 403],
    ['own pod', '/api/v1/namespaces/default/pods/px', 200],
    ["another node's pod", '/api/v1/namespaces/default/pods/py', 403],
    ['own pods by field selector', '/api/v1/pods?fieldSelector=spec.nodeName%3Dsec-x', 200],
    ['every pod', '/api/v1/pods', 403],
    ["another node's pods by field selector", '/api/v1/pods?fieldSelector=spec.nodeName%3Dsec-y', 403],
    ['secret of own pod', '/api/v1/namespaces/default/secrets/sx', 200],
    ["secret of another node's pod", '/api/v1/namespaces/default/secrets/sy', 403],
    ['all secrets', '/api/v1/namespaces/default/secrets', 403],
  ];
  for (const [what, path, code] of cases) assert.is((await call(x, 'GET', path)).status, code, what);
  const steal = await call(x, 'PATCH', '/api/v1/namespaces/default/pods/py/status', {
    body: { status: { phase: 'Failed' } },
  });
  assert.is(steal.status, 403);
  const py = (await adminCall('GET', '/api/v1/namespaces/default/pods/py')).body as {
    status?: { phase?: string };
  };
  assert.is.not(py.status?.phase, 'Failed');
  // kubectl as the node says the same.
  const kx = await k('node-x', 'get', 'pod', 'py', '-n', 'default');
  assert.match(kx.stderr, 'pods "py" is forbidden: User "system:node:sec-x" cannot get resource "pods"');
});

test('ServiceAccount tokens for automation: bound role works, deleting the account revokes at once', async () => {
  assert.is((await k('admin', 'create', 'serviceaccount', 'robot', '-n', 'default')).code, 0);
  assert.is(
    (
      await k(
        'admin',
        'create',
        'rolebinding',
        'robot-edit',
        '--clusterrole=edit',
        '--serviceaccount=default:robot',
        '-n',
        'default',
      )
    ).code,
    0,
  );
  const tok = await k('admin', 'create', 'token', 'robot', '-n', 'default', '--duration', '1h');
  assert.is(tok.code, 0, tok.stderr);
  const token = tok.stdout.trim();
  await waitFor(async () => (await call(caOnly(), 'GET', `${CMS}`, { token })).status === 200, {
    what: 'the robot binding',
  });
  assert.is((await call(caOnly(), 'POST', CMS, { body: cm('by-robot'), token })).status, 201);
  assert.is(
    (await call(caOnly(), 'GET', '/api/v1/namespaces/kube-system/configmaps', { token })).status,
    403,
  );
  assert.is((await k('admin', 'delete', 'serviceaccount', 'robot', '-n', 'default')).code, 0);
  assert.is((await call(caOnly(), 'POST', CMS, { body: cm('after-revoke'), token })).status, 401);
  assert.is((await adminCall('GET', `${CMS}/after-revoke`)).status, 404);
});

test('the audit log names who did what, refusals included', () => {
  const lines = readFileSync(join(hub.dataDir, 'audit.log'), 'utf8')
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          user: string;
          verb: string;
          resource: string;
          namespace?: string;
          name?: string;
          code: number;
        },
    );
  const seen = (f: (l: (typeof lines)[number]) => boolean) => lines.some(f);
  assert.ok(
    seen((l) => l.user === 'vera' && l.verb === 'create' && l.resource === 'secrets' && l.code === 403),
    'vera refused',
  );
  assert.ok(
    seen((l) => l.user === 'system:anonymous' && l.code === 401),
    'anonymous refused',
  );
  assert.ok(
    seen((l) => l.user === 'system:node:sec-x' && l.resource === 'pods' && l.name === 'py' && l.code === 403),
    'node refused',
  );
  assert.ok(
    seen((l) => l.user === 'kubernetes-admin' && l.verb === 'create' && l.code === 201),
    'admin writes',
  );
});

/** n sockets to the API port; `closed` counts those the hub has closed. */
function openSockets(n: number, tls: boolean, dribble: boolean) {
  const port = Number(new URL(hub.apiUrl).port);
  const state = { closed: 0, sockets: [] as Socket[], timers: [] as NodeJS.Timeout[] };
  for (let i = 0; i < n; i++) {
    const s: Socket = tls
      ? tlsConnect({ host: '127.0.0.1', port, ca: admin.caPem })
      : netConnect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    s.on('close', () => state.closed++);
    s.resume(); // read what the hub says (a 408), or the end of the stream is never seen
    if (dribble)
      s.once(tls ? 'secureConnect' : 'connect', () => {
        s.write('GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n');
        // One header byte every 300 ms: never a complete request.
        state.timers.push(setInterval(() => s.writable && s.write('X'), 300));
      });
    state.sockets.push(s);
  }
  return {
    state,
    end() {
      for (const t of state.timers) clearInterval(t);
      for (const s of state.sockets) s.destroy();
    },
  };
}

test('slow-loris clients are cut off (handshake and header timeouts, connection cap) while the hub keeps serving', async () => {
  // 20 that never start TLS and 20 that dribble a header forever: under the cap of 64.
  const silent = openSockets(20, false, false);
  const slow = openSockets(20, true, true);
  try {
    const k1 = await k('admin', 'get', 'namespaces');
    assert.is(k1.code, 0, `while slow clients wait: ${k1.stderr}`);
    // The hub closes every one of them (headers timeout 2 s here); 10x that is the bound.
    await waitFor(() => silent.state.closed === 20 && slow.state.closed === 20, {
      timeoutMs: 20_000,
      what: 'the hub to close 40 slow-loris connections',
    }).catch((e: Error) => {
      throw new Error(`${e.message} (closed: ${silent.state.closed} silent, ${slow.state.closed} slow)`);
    });
  } finally {
    silent.end();
    slow.end();
  }
  // Over the cap: the extra connections are closed at accept, and once the holders time out
  // the hub serves again.
  const flood = openSockets(100, false, false);
  try {
    await waitFor(() => flood.state.closed >= 36, {
      intervalMs: 20,
      what: 'connections over the cap (64) to be refused',
    });
    // Order, not time: the refused ones closed before the held ones timed out.
    assert.ok(flood.state.closed < 100, 'refused at accept, not by the handshake timeout');
    await waitFor(() => flood.state.closed === 100, {
      timeoutMs: 20_000,
      what: 'the held connections to time out',
    });
  } finally {
    flood.end();
  }
  const k2 = await k('admin', 'get', 'namespaces');
  assert.is(k2.code, 0, `after the flood: ${k2.stderr}`);
});

test.run();
