import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Dockerode from 'dockerode';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DockerRuntime } from '../../../agent/runtime/docker.js';
import { ProgressSum, classifyPullError } from '../../../agent/runtime/docker-pull.js';
import { ImagePullError } from '../../../agent/runtime/errors.js';
import type { PullProgress } from '../../../agent/runtime/runtime.js';
import { REGISTRY_IMAGE, freePort, removeAll, specFor, uniqueNode, waitFor } from './helpers.js';

const rt = new DockerRuntime();
const raw = new Dockerode({ socketPath: '/var/run/docker.sock' });
const node = uniqueNode('pull');
const registry = REGISTRY_IMAGE.split('/')[0];
const uniqueRepo = `${registry}/drover-test/runtime-${randomBytes(4).toString('hex')}`;
const uniqueRef = `${uniqueRepo}:1`;
let pushedDigest = '';

test.after(async () => {
  await removeAll(rt, node);
  await raw
    .getImage(uniqueRef)
    .remove({ force: true })
    .catch(() => undefined);
  // Drop the pushed manifest so runs do not pile up repositories in the registry.
  if (pushedDigest) {
    const repo = uniqueRepo.slice(registry.length + 1);
    await fetch(`http://${registry}/v2/${repo}/manifests/${pushedDigest}`, { method: 'DELETE' }).catch(
      () => undefined,
    );
  }
});

const classify: [string, string][] = [
  ['manifest for 127.0.0.1:5000/x:1 not found: manifest unknown: manifest unknown', 'not-found'],
  ["pull access denied for foo, repository does not exist or may require 'docker login'", 'not-found'],
  ['Head "https://r/v2/x/manifests/1": unauthorized: authentication required', 'unauthorized'],
  ['denied: requested access to the resource is denied', 'unauthorized'],
  ['Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused', 'unreachable'],
  ['Get "https://nowhere.invalid/v2/": dial tcp: lookup nowhere.invalid: no such host', 'unreachable'],
  ['net/http: request canceled while waiting for connection (Client.Timeout exceeded)', 'unreachable'],
  ['invalid reference format', 'unknown'],
];
for (const [msg, want] of classify)
  test(`classifyPullError: ${want}: ${msg.slice(0, 40)}`, () => assert.is(classifyPullError(msg), want));

test('ProgressSum adds bytes over layers', () => {
  const s = new ProgressSum();
  assert.equal(s.next({ status: 'Pulling from a/b', id: '1' }), { status: 'Pulling from a/b' });
  assert.equal(s.next({ status: 'Pulling fs layer', id: 'l1' }), { status: 'Pulling fs layer', layer: 'l1' });
  assert.equal(s.next({ status: 'Downloading', id: 'l1', progressDetail: { current: 50, total: 100 } }), {
    status: 'Downloading',
    layer: 'l1',
    current: 50,
    total: 100,
    percent: 50,
  });
  const ev = s.next({ status: 'Downloading', id: 'l2', progressDetail: { current: 100, total: 300 } });
  assert.equal([ev.current, ev.total, ev.percent], [150, 400, 37]);
  const done = s.next({ status: 'Download complete', id: 'l1' });
  assert.equal([done.current, done.total, done.percent], [200, 400, 50]);
});

async function drain(stream: Readable): Promise<string> {
  let text = '';
  for await (const c of stream) text += String(c);
  const err = text.split('\n').find((l) => l.includes('"error"'));
  if (err) throw new Error(err);
  return text;
}

test('pull from the local registry after removing the local copy: progress events, success', async () => {
  // A fresh image with its own 1 MiB layer, pushed to the registry, so the pull really downloads.
  const id = await rt.createContainer(
    specFor(node, { command: ['sh', '-c', 'head -c 1048576 /dev/urandom > /blob'] }),
  );
  await rt.startContainer(id);
  await waitFor('writer exit', async () => (await rt.inspectContainer(id)).state === 'exited');
  await raw.getContainer(id).commit({ repo: uniqueRepo, tag: '1' });
  await drain((await raw.getImage(uniqueRef).push({ authconfig: {} })) as Readable);
  await raw.getImage(uniqueRef).remove();
  assert.is(await rt.imageExists(uniqueRef), false);

  const events: PullProgress[] = [];
  const img = await rt.pullImage(uniqueRef, {}, (ev) => events.push(ev));
  assert.ok(events.length >= 3, `only ${events.length} events`);
  assert.ok(events.some((e) => e.status.startsWith('Pulling from')));
  assert.ok(events.some((e) => e.status.includes('Downloaded newer image')));
  const sized = events.filter((e) => e.total !== undefined);
  assert.ok(sized.length > 0, 'no byte progress reported');
  assert.ok(sized.every((e) => (e.percent ?? -1) >= 0 && (e.percent ?? 101) <= 100));
  assert.ok(sized[sized.length - 1].total! >= 500_000);
  const digest = img.repoDigests.find((d) => d.startsWith(`${uniqueRepo}@sha256:`));
  assert.ok(digest, `no digest for ${uniqueRepo} in ${img.repoDigests}`);
  pushedDigest = digest.split('@')[1];
  assert.is(await rt.imageExists(uniqueRef), true);
});

test('pull the shared test image from the registry after untagging it', async () => {
  await raw
    .getImage(REGISTRY_IMAGE)
    .remove()
    .catch(() => undefined);
  const events: PullProgress[] = [];
  const img = await rt.pullImage(REGISTRY_IMAGE, {}, (ev) => events.push(ev));
  assert.ok(events.length > 0);
  assert.ok(img.repoTags.includes(REGISTRY_IMAGE));
  assert.is(await rt.imageExists(REGISTRY_IMAGE), true);
});

test('pulling a missing image fails with reason not-found', async () => {
  const ref = `${registry}/drover-test/missing-${randomBytes(3).toString('hex')}:1`;
  try {
    await rt.pullImage(ref);
    assert.unreachable('should fail');
  } catch (e) {
    assert.instance(e, ImagePullError);
    assert.is((e as ImagePullError).reason, 'not-found');
    assert.is((e as ImagePullError).kubeReason, 'ErrImagePull');
  }
  try {
    await rt.pullImage(`${REGISTRY_IMAGE.replace(':1', ':no-such-tag')}`);
    assert.unreachable('should fail');
  } catch (e) {
    assert.is((e as ImagePullError).reason, 'not-found');
  }
});

test('pulling from an unreachable registry fails fast with reason unreachable', async () => {
  const port = await freePort();
  const t0 = Date.now();
  try {
    await rt.pullImage(`127.0.0.1:${port}/drover-test/busybox:1`);
    assert.unreachable('should fail');
  } catch (e) {
    assert.instance(e, ImagePullError);
    assert.is((e as ImagePullError).reason, 'unreachable');
  }
  assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
});

test.run();
