// Secrets reach boards only over TLS: on a real hub with a plain listener as well, a node
// connected over plain MQTT never receives a desired state that carries a Secret (the broker
// drops it), while the same node over MQTTS does.
import mqtt, { type MqttClient } from 'mqtt';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hub } from '../../../hub/hub.js';
import type { Pod, Secret } from '../../../shared/api/types.js';
import { topics } from '../../../shared/mqtt/topics.js';
import { type DesiredState, parseDesiredState } from '../../../shared/protocol/messages.js';
import { waitFor } from '../controllers/wait.js';
import { connectNode, join, sendStatus, tempDir, testHub } from '../gateway/harness.js';

const NODE = 'sec-1';
let dir: ReturnType<typeof tempDir>;
let hub: Hub;
let password = '';

test.before(async () => {
  dir = tempDir();
  hub = await testHub(dir.path, { mqttPlainPort: 0 });
  password = (await join(hub, NODE)).password!;
  const c = await connectNode(hub, NODE, password);
  await sendStatus(c, NODE);
  await waitFor('node registered', () => hub.client.get('nodes', undefined, NODE).catch(() => undefined));
  await c.endAsync();
  await hub.client.create<Secret>('secrets', 'default', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'default' },
    data: { password: Buffer.from('s3cr3t').toString('base64') },
  });
});

test.after(async () => {
  await hub.stop();
  dir.cleanup();
});

const pod = (name: string, secret?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: {
    nodeName: NODE,
    containers: [
      {
        name: 'c',
        image: 'busybox',
        ...(secret
          ? { env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } }] }
          : {}),
      },
    ],
  },
});

/** The node's own connection (plain or TLS) recording every desired state it receives. */
async function desiredOf(url: string, tls: boolean): Promise<{ c: MqttClient; got: DesiredState[] }> {
  const c = await mqtt.connectAsync(url, {
    ...(tls ? { ca: hub.caPem } : {}),
    clientId: `node-${NODE}`,
    username: `node:${NODE}`,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  const got: DesiredState[] = [];
  c.on('message', (_t, p) => got.push(parseDesiredState(p)));
  await c.subscribeAsync(topics.desired(NODE), { qos: 1 });
  return { c, got };
}

const names = (s: DesiredState) => s.pods.map((p) => p.metadata.name).sort();

test('over plain MQTT the state carrying a Secret is never delivered; the next one without is', async () => {
  const plain = await desiredOf(hub.mqttPlainUrl!, false);
  await hub.client.create<Pod>('pods', 'default', pod('no-secret'));
  await waitFor('the secret-free state', () => plain.got.some((s) => names(s).includes('no-secret')));
  await hub.client.create<Pod>('pods', 'default', pod('with-secret', 'db'));
  // The broker routed the state with the Secret to this connection and held it back...
  await waitFor('the state with the Secret withheld', () => hub.broker!.secretsWithheld() >= 1);
  await hub.client.delete('pods', 'default', 'with-secret', { gracePeriodSeconds: 0 });
  // The state after the deletion has no Secret again: it arrives, the one between never did.
  const after = await hub.client.get<Pod>('pods', 'default', 'no-secret');
  await waitFor('a later state', () =>
    plain.got.some(
      (s) => s.revision > Number(after.metadata.resourceVersion) && !names(s).includes('with-secret'),
    ),
  );
  assert.ok(
    plain.got.every((s) => !names(s).includes('with-secret') && !(s.secrets ?? []).length),
    'no state with the Secret reached the plain connection',
  );
  assert.not.ok(JSON.stringify(plain.got).includes(Buffer.from('s3cr3t').toString('base64')));
  await plain.c.endAsync();
});

test('over MQTTS the same node gets the Secret its pod references', async () => {
  const secure = await desiredOf(hub.mqttUrl, true);
  await hub.client.create<Pod>('pods', 'default', pod('with-secret-2', 'db'));
  const s = await waitFor('the state with the Secret', () =>
    secure.got.find((x) => names(x).includes('with-secret-2')),
  );
  assert.equal(
    (s.secrets ?? []).map((x) => x.metadata.name),
    ['db'],
  );
  await secure.c.endAsync();
});

test.run();
