// Private registries end to end (real hub, two real agents, the real engine, the local
// registry with htpasswd on 127.0.0.1:5001 from scripts/test-env.sh, kubectl): a pod with the
// right imagePullSecrets starts; a wrong password gives ErrImagePull then ImagePullBackOff with
// the registry's message in the events; a secret named before it exists gives a clear event
// and the pod starts once it is created; the default ServiceAccount's imagePullSecrets serve a
// pod that names none; the other board never receives a login secret; no log carries the
// password.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Pod } from '../../shared/api/types.js';
import type { DesiredState } from '../../shared/protocol/messages.js';
import { waitFor } from '../helpers/wait.js';
import { Cluster, docker, podYaml, running } from './pods-harness.js';

const PRIVATE_IMAGE = '127.0.0.1:5001/private/busybox:1';
const SERVER = '127.0.0.1:5001';
const USER = 'drover';
const PASSWORD = 'drover-test-pass';

const c = new Cluster([
  { name: 'pr-a', labels: { slot: 'one' } },
  { name: 'pr-b', labels: { slot: 'two' } },
]);

test.before(async () => {
  await c.start();
  await docker
    .getImage(PRIVATE_IMAGE)
    .remove({ force: true })
    .catch(() => {});
});
test.after(() => c.stop());

async function events(pod: string): Promise<string> {
  return (await c.k(['get', 'events', '--field-selector', `involvedObject.name=${pod}`])).stdout;
}

async function createRegcred(name: string, password: string): Promise<void> {
  const r = await c.k([
    'create',
    'secret',
    'docker-registry',
    name,
    `--docker-server=${SERVER}`,
    `--docker-username=${USER}`,
    `--docker-password=${password}`,
  ]);
  assert.is(r.code, 0, r.stderr);
}

const privatePod = (name: string, secrets: string[]) =>
  podYaml({
    name,
    image: PRIVATE_IMAGE,
    pullPolicy: 'Always',
    command: 'exec sleep 3600',
    spec: `  nodeSelector: {drover.io/slot: one}
${secrets.length ? `  imagePullSecrets:\n${secrets.map((s) => `  - name: ${s}\n`).join('')}` : ''}`,
  });

const waiting = (p: Pod) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason;

test('without credentials the registry refuses: ErrImagePull, then ImagePullBackOff, message in events', async () => {
  await createRegcred('wrongcred', 'not-the-password');
  assert.is((await c.apply(privatePod('priv-wrong', ['wrongcred']))).code, 0);
  // ErrImagePull lasts about a second before the backoff shows (status writes are coalesced):
  // its trace is the Failed event below.
  await c.waitPod('priv-wrong', (p) => waiting(p) === 'ImagePullBackOff', 'ImagePullBackOff');
  const ev = await events('priv-wrong');
  assert.match(
    ev,
    /Failed to pull image "127\.0\.0\.1:5001\/private\/busybox:1": .*(unauthorized|authentication required)/,
  );
  assert.match(ev, /Error: ErrImagePull/);
  assert.match(ev, /Back-off pulling image/);
});

test('with the right imagePullSecrets the pod starts; the other board receives no login secret', async () => {
  await createRegcred('regcred', PASSWORD);
  assert.is((await c.apply(privatePod('priv-ok', ['regcred']))).code, 0);
  const p = await c.waitPod('priv-ok', running, 'Running', 30_000);
  assert.is(p.spec.nodeName, 'pr-a');
  assert.match(await events('priv-ok'), /Successfully pulled image "127\.0\.0\.1:5001\/private\/busybox:1"/);
  const cache = (n: string) => readFileSync(join(c.agents[n].dataDir, 'pods-cache.json'), 'utf8');
  const names = (n: string) =>
    ((JSON.parse(cache(n)) as DesiredState).secrets ?? []).map((s) => s.metadata.name).sort();
  assert.equal(names('pr-a'), ['regcred', 'wrongcred']);
  assert.equal(names('pr-b'), []);
  assert.not.ok(cache('pr-b').includes(Buffer.from(`${USER}:${PASSWORD}`).toString('base64')));
});

test('a missing secret: a clear event, the pod waits, and starts when the secret is created', async () => {
  await docker
    .getImage(PRIVATE_IMAGE)
    .remove({ force: true })
    .catch(() => {});
  assert.is((await c.apply(privatePod('priv-late', ['latecred']))).code, 0);
  await c.waitPod('priv-late', (p) => waiting(p) === 'ImagePullBackOff', 'ImagePullBackOff');
  assert.match(await events('priv-late'), /FailedToRetrieveImagePullSecret.*secret "latecred" not found/);
  await createRegcred('latecred', PASSWORD);
  // Well before the 10 s pull backoff would end: new credentials retry at once.
  await c.waitPod('priv-late', running, 'Running after the secret appears', 30_000);
});

test('the default ServiceAccount imagePullSecrets serve a pod that names none', async () => {
  await createRegcred('sacred', PASSWORD);
  // Every namespace has its default ServiceAccount (the serviceaccounts controller).
  await waitFor(async () => (await c.k(['get', 'serviceaccount', 'default'])).code === 0, {
    what: 'the default ServiceAccount',
  });
  const patch = await c.k([
    'patch',
    'serviceaccount',
    'default',
    '-p',
    '{"imagePullSecrets":[{"name":"sacred"}]}',
  ]);
  assert.is(patch.code, 0, patch.stderr);
  assert.is((await c.apply(privatePod('priv-sa', []))).code, 0);
  const p = await c.waitPod('priv-sa', running, 'Running', 30_000);
  assert.equal(p.spec.imagePullSecrets, [{ name: 'sacred' }]);
});

test('no log line of the hub or the agents carries the password', () => {
  const b64 = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
  for (const out of [c.hub.output(), ...Object.values(c.agents).map((a) => a.output())]) {
    assert.not.ok(out.includes(PASSWORD), 'plain password in a log');
    assert.not.ok(out.includes(b64), 'base64 login in a log');
  }
});

test.run();
