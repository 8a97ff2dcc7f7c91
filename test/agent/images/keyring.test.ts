// Credential matching as the kubelet's keyring (pure): host globs, ports, path prefixes,
// most specific first, the Docker Hub fallback; pull secrets parsed per type, errors that
// never quote a credential.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Secret } from '../../../shared/api/types.js';
import {
  configKey,
  globMatch,
  Keyring,
  registryHost,
  repository,
  urlsMatch,
} from '../../../agent/images/keyring.js';
import { podKeyring } from '../../../agent/images/pod-keyring.js';
import {
  MalformedPullSecretError,
  PullSecretTypeError,
  pullSecretAuths,
} from '../../../agent/images/pull-secret.js';

const MATCH: [glob: string, target: string, want: boolean][] = [
  ['registry.example.com', 'registry.example.com/app', true],
  ['*.example.com', 'registry.example.com/app', true],
  ['*.example.com', 'a.b.example.com/app', false], // one glob per dot-separated part
  ['*.example.com', 'example.org/app', false],
  ['registry.example.com:5000', 'registry.example.com:5000/app', true],
  ['registry.example.com:5000', 'registry.example.com/app', false], // ports must be equal
  ['registry.example.com', 'registry.example.com:5000/app', false],
  ['registry.example.com/team', 'registry.example.com/team/app', true],
  ['registry.example.com/team', 'registry.example.com/other/app', false],
  ['*.*.example.com', 'a.b.example.com/app', true],
  ['127.0.0.1:5001', '127.0.0.1:5001/private/busybox', true],
  ['127.0.0.1:5001', '127.0.0.1:5000/private/busybox', false],
];
for (const [glob, target, want] of MATCH)
  test(`urlsMatch(${glob}, ${target}) = ${want}`, () => assert.is(urlsMatch(glob, target), want));

test('configKey: scheme and /v1/ /v2/ dropped, paths kept', () => {
  assert.is(configKey('https://index.docker.io/v1/'), 'index.docker.io');
  assert.is(configKey('http://registry.example.com:5000/v2/'), 'registry.example.com:5000');
  assert.is(configKey('registry.example.com/team'), 'registry.example.com/team');
  assert.is(configKey('https://[bad'), undefined);
});

test('repository and registryHost of image references', () => {
  assert.is(repository('127.0.0.1:5001/private/busybox:1'), '127.0.0.1:5001/private/busybox');
  assert.is(repository('nginx@sha256:abc'), 'nginx');
  assert.is(repository('localhost:5000/app'), 'localhost:5000/app');
  assert.is(registryHost('nginx:1.25'), 'docker.io');
  assert.is(registryHost('library/nginx'), 'docker.io');
  assert.is(registryHost('127.0.0.1:5001/private/busybox:1'), '127.0.0.1:5001');
  assert.is(registryHost('localhost/app'), 'localhost');
});

test('globMatch: Go filepath.Match syntax; a bad pattern matches nothing', () => {
  assert.is(globMatch('reg?', 'reg1'), true);
  assert.is(globMatch('reg[0-9]', 'rega'), false);
  assert.is(globMatch('reg[^a]', 'regb'), true);
  assert.is(globMatch('[abc', 'a'), false);
  assert.is(globMatch('a.b', 'axb'), false, 'a dot is literal');
});

test('Keyring.lookup: more specific first, all matching returned, Docker Hub fallback', () => {
  const k = new Keyring();
  k.add({ 'registry.example.com': { username: 'host' } });
  k.add({
    'registry.example.com/team': { username: 'team' },
    'https://index.docker.io/v1/': { username: 'hub' },
  });
  assert.equal(
    k.lookup('registry.example.com/team/app:1').map((a) => a.username),
    ['team', 'host'],
  );
  assert.equal(
    k.lookup('registry.example.com/other:1').map((a) => a.username),
    ['host'],
  );
  assert.equal(
    k.lookup('nginx:1.25').map((a) => a.username),
    ['hub'],
  );
  assert.equal(
    k.lookup('docker.io/library/nginx').map((a) => a.username),
    ['hub'],
  );
  assert.equal(k.lookup('quay.io/app:1'), []);
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (name: string, type: string, data: Record<string, string>): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'default' },
  type,
  data,
});

test('pullSecretAuths: dockerconfigjson (auth field wins) and legacy dockercfg', () => {
  const j = secret('a', 'kubernetes.io/dockerconfigjson', {
    '.dockerconfigjson': b64(
      JSON.stringify({ auths: { 'r.example.com': { username: 'x', password: 'y', auth: b64('u:p:w') } } }),
    ),
  });
  assert.equal(pullSecretAuths(j), {
    'r.example.com': { serveraddress: 'r.example.com', username: 'u', password: 'p:w' },
  });
  const c = secret('b', 'kubernetes.io/dockercfg', {
    '.dockercfg': b64(JSON.stringify({ 'r.example.com': { username: 'u', password: 'p' } })),
  });
  assert.equal(pullSecretAuths(c)['r.example.com'].username, 'u');
});

const BAD: [string, Secret, new (...a: never[]) => Error][] = [
  ['wrong type', secret('s', 'Opaque', { '.dockerconfigjson': b64('{"auths":{}}') }), PullSecretTypeError],
  ['missing key', secret('s', 'kubernetes.io/dockerconfigjson', {}), MalformedPullSecretError],
  [
    'not JSON',
    secret('s', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{hunter2') }),
    MalformedPullSecretError,
  ],
  [
    'no auths',
    secret('s', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"x":1}') }),
    MalformedPullSecretError,
  ],
  [
    'entry not an object',
    secret('s', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths":{"r":"hunter2"}}') }),
    MalformedPullSecretError,
  ],
  [
    'auth without colon',
    secret('s', 'kubernetes.io/dockerconfigjson', {
      '.dockerconfigjson': b64(JSON.stringify({ auths: { r: { auth: b64('hunter2') } } })),
    }),
    MalformedPullSecretError,
  ],
];
for (const [name, s, cls] of BAD)
  test(`pullSecretAuths refuses: ${name}, naming the secret and no credential`, () => {
    try {
      pullSecretAuths(s);
      assert.unreachable('should throw');
    } catch (e) {
      assert.instance(e, cls);
      assert.match((e as Error).message, /secret "s"/);
      assert.not.match((e as Error).message, /hunter2/);
    }
  });

test('podKeyring: problems per unusable secret, fingerprint follows the usable ones', () => {
  const good = secret('good', 'kubernetes.io/dockerconfigjson', {
    '.dockerconfigjson': b64(
      JSON.stringify({ auths: { 'r.example.com': { username: 'u', password: 'p' } } }),
    ),
  });
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod' as const,
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [], imagePullSecrets: [{ name: 'missing' }, { name: 'good' }, { name: 'opaque' }] },
  };
  const secrets = new Map([
    ['good', good],
    ['opaque', secret('opaque', 'Opaque', {})],
  ]);
  const r = podKeyring(pod, secrets);
  assert.equal(r.problems.length, 2);
  assert.match(r.problems[0], /"missing" not found/);
  assert.equal(
    r.keyring.lookup('r.example.com/app').map((a) => a.password),
    ['p'],
  );
  const none = podKeyring(
    { ...pod, spec: { containers: [], imagePullSecrets: [{ name: 'missing' }] } },
    secrets,
  );
  assert.is(none.fingerprint, '');
  assert.ok(r.fingerprint.length > 0);
  const changed = new Map(secrets);
  changed.set('good', { ...good, data: { '.dockerconfigjson': b64('{"auths":{}}') } });
  assert.is.not(podKeyring(pod, changed).fingerprint, r.fingerprint);
});

test.run();
