// Images, ConfigMaps and Secrets end to end (real hub, two real agents, the real engine, the
// local registry, kubectl): pulls with IfNotPresent and Always, `kubectl create secret/configmap`
// consumed through env and volumes, and the node authorizer rule: a node receives a Secret only
// when one of its pods uses it (checked in both agents' caches and in the broker's retained
// desired state of the other node), and a changed ConfigMap reaches the node using it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { topics } from '../../shared/mqtt/topics.js';
import { type DesiredState, parseDesiredState } from '../../shared/protocol/messages.js';
import { waitFor } from '../helpers/wait.js';
import { Cluster, docker, podYaml, REGISTRY_IMAGE, running } from './pods-harness.js';

const c = new Cluster([
  { name: 'pc-a', labels: { slot: 'one' } },
  { name: 'pc-b', labels: { slot: 'two' } },
]);

test.before(() => c.start());
test.after(() => c.stop());

async function events(pod: string): Promise<string> {
  return (await c.k(['get', 'events', '--field-selector', `involvedObject.name=${pod}`])).stdout;
}

test('pull from the local registry: IfNotPresent pulls a missing image, Always pulls again', async () => {
  await docker
    .getImage(REGISTRY_IMAGE)
    .remove({ force: true })
    .catch(() => {});
  const a = await c.apply(podYaml({ name: 'pull-ifnp', image: REGISTRY_IMAGE, command: 'exec sleep 3600' }));
  assert.is(a.code, 0, a.stderr);
  await c.waitPod('pull-ifnp', running, 'Running', 30_000);
  await waitFor(
    async () => /Pulling image "127\.0\.0\.1:5000\/drover-test\/busybox:1"/.test(await events('pull-ifnp')),
    {
      what: 'Pulling event for the IfNotPresent pod',
    },
  );
  assert.ok(await docker.getImage(REGISTRY_IMAGE).inspect(), 'the image is now present');

  const b = await c.apply(
    podYaml({ name: 'pull-always', image: REGISTRY_IMAGE, pullPolicy: 'Always', command: 'exec sleep 3600' }),
  );
  assert.is(b.code, 0, b.stderr);
  await c.waitPod('pull-always', running, 'Running', 30_000);
  const ev = await waitFor(
    async () => {
      const e = await events('pull-always');
      return /Pulling image/.test(e) ? e : undefined;
    },
    { what: 'Pulling event although the image is present' },
  );
  assert.not.match(ev, /already present on machine/);
  assert.is((await c.k(['delete', 'pod', 'pull-ifnp', 'pull-always', '--wait=false'])).code, 0);
});

test('kubectl create secret/configmap + a pod using them by env, envFrom and volumes: values visible', async () => {
  for (const args of [
    ['create', 'secret', 'generic', 'pc-secret', '--from-literal=password=s3cr3t'],
    ['create', 'secret', 'generic', 'pc-unused', '--from-literal=token=nobody-needs-me'],
    ['create', 'configmap', 'pc-config', '--from-literal=color=blue', '--from-literal=size=large'],
  ]) {
    const r = await c.k(args);
    assert.is(r.code, 0, r.stderr);
  }
  const r = await c.apply(
    podYaml({
      name: 'reader',
      command:
        'echo "env $PASSWORD $color"; echo "file $(cat /etc/sec/password) $(cat /etc/cfg/size)"; exec sleep 3600',
      spec: `  nodeSelector: {drover.io/slot: one}
  volumes:
  - name: sec
    secret: {secretName: pc-secret}
  - name: cfg
    configMap: {name: pc-config}
`,
      container: `    env:
    - name: PASSWORD
      valueFrom: {secretKeyRef: {name: pc-secret, key: password}}
    envFrom:
    - configMapRef: {name: pc-config}
    volumeMounts:
    - {name: sec, mountPath: /etc/sec, readOnly: true}
    - {name: cfg, mountPath: /etc/cfg}
`,
    }),
  );
  assert.is(r.code, 0, r.stderr);
  const p = await c.waitPod('reader', running, 'Running');
  assert.is(p.spec.nodeName, 'pc-a');
  const logs = await waitFor(
    async () => {
      const l = await c.k(['logs', 'reader']);
      return l.stdout.includes('file ') ? l.stdout : undefined;
    },
    { what: 'reader output' },
  );
  assert.is(logs, 'env s3cr3t blue\nfile s3cr3t large\n');
});

const cacheOf = (node: string): DesiredState =>
  JSON.parse(readFileSync(join(c.agents[node].dataDir, 'pods-cache.json'), 'utf8')) as DesiredState;
const names = (l: { metadata: { name?: string } }[] | undefined) =>
  (l ?? []).map((o) => o.metadata.name).sort();

test('a node receives only the Secrets and ConfigMaps its pods use; a changed ConfigMap reaches it', async () => {
  const a = cacheOf('pc-a');
  assert.equal(names(a.secrets), ['pc-secret']);
  assert.equal(names(a.configMaps), ['pc-config']);
  const b = cacheOf('pc-b');
  assert.equal(names(b.secrets), []);
  assert.equal(names(b.configMaps), []);
  assert.not.ok(readFileSync(join(c.agents['pc-b'].dataDir, 'pods-cache.json'), 'utf8').includes('s3cr3t'));

  const patch = await c.k([
    'patch',
    'configmap',
    'pc-config',
    '--type',
    'merge',
    '-p',
    '{"data":{"size":"small"}}',
  ]);
  assert.is(patch.code, 0, patch.stderr);
  await waitFor(() => cacheOf('pc-a').configMaps?.[0]?.data?.size === 'small', {
    what: 'the changed ConfigMap in pc-a cache',
  });

  // What the broker holds for pc-b, read as pc-b itself (its agent stopped: one client per node).
  await c.agents['pc-b'].stop('SIGTERM');
  const cred = JSON.parse(readFileSync(join(c.agents['pc-b'].dataDir, 'credentials.json'), 'utf8')) as {
    username: string;
    password: string;
  };
  const mq = await mqtt.connectAsync(c.hub.mqttUrl, {
    ca: c.hub.caPem,
    protocolVersion: 4,
    clientId: 'node-pc-b',
    username: cred.username,
    password: cred.password,
    reconnectPeriod: 0,
  });
  try {
    const got = new Promise<DesiredState>((resolve) =>
      mq.on('message', (_t, payload) => resolve(parseDesiredState(payload))),
    );
    await mq.subscribeAsync(topics.desired('pc-b'), { qos: 1 });
    const d = await got;
    assert.equal(names(d.secrets), []);
    assert.equal(names(d.configMaps), []);
    assert.not.ok(names(d.pods).includes('reader'), "never another node's pods");
  } finally {
    await mq.endAsync();
  }
});

test.run();
