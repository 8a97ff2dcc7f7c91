// `drover secrets rotate-key --store nats://...` on a real nats-server: refused while a hub of
// the store runs (its own data dir's API, or any hub renewing the leader lock); with the hubs
// stopped, every Secret in the bucket moves to a new key, no message in the stream still holds
// a value under the old key (the bucket keeps 4 values per key, so earlier ones are purged),
// and a hub started with the new key file reads the Secret back.

import { copyFileSync, mkdirSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encryptionKeysPath, readEncryptionKeys } from '../../../hub/store/encryption-keys.js';
import { JetStreamStore } from '../../../hub/store/jetstream.js';
import { createLogger } from '../../../shared/log.js';
import { apiFetch, getJson } from '../../helpers/api.js';
import { type NatsCluster, startNats } from '../../helpers/nats.js';
import { drover, killAll, startHubProcess } from '../../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';

const SECRET = 'nats-launch-code-51c2';
const log = createLogger('test', 40);
let nats: NatsCluster | undefined;

test.after(async () => {
  await killAll();
  await nats?.stop();
  cleanupTempDirs();
});

/** Every message the bucket's stream holds, as text. */
async function streamMessages(servers: string[]): Promise<string[]> {
  const store = await JetStreamStore.open({ servers, log, compactIntervalMs: 0 });
  try {
    const jsm = await store.connection.jetstreamManager();
    const info = await jsm.streams.info('KV_drover');
    const out: string[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage('KV_drover', { seq }).catch(() => undefined);
      if (m) out.push(new TextDecoder().decode(m.data));
    }
    return out;
  } finally {
    await store.close();
  }
}

async function putSecret(apiUrl: string, code: string, create: boolean): Promise<void> {
  const path = '/api/v1/namespaces/default/secrets';
  const res = await apiFetch(apiUrl, create ? path : `${path}/launch`, {
    method: create ? 'POST' : 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'launch' },
      stringData: { code },
    }),
  });
  assert.ok(res.status < 300, await res.text());
}

test('rotate-key on a NATS store: refused while a hub runs; then every value under the new key only', async () => {
  nats = await startNats(1);
  const servers = nats.urls;
  // The bucket keeps earlier values of a key (history 4): they must go with the old key.
  await (await JetStreamStore.open({ servers, log, history: 4, compactIntervalMs: 0 })).close();
  const store = ['--store', servers.join(',')];
  const hub = await startHubProcess({ args: store });
  await putSecret(hub.apiUrl, `${SECRET}-v1`, true);
  await putSecret(hub.apiUrl, `${SECRET}-v2`, false);
  await putSecret(hub.apiUrl, SECRET, false);
  const old = readEncryptionKeys(encryptionKeysPath(hub.dataDir))[0]?.name ?? '';
  const underOld = `k8s:enc:aesgcm:v1:${old}:`;
  assert.ok((await streamMessages(servers)).filter((m) => m.startsWith(underOld)).length >= 3);

  // Refused: this data dir's hub answers; another hub's data dir sees the leader lock renewed.
  const own = await drover(['secrets', 'rotate-key', '--data-dir', hub.dataDir, ...store]);
  assert.is.not(own.code, 0);
  assert.match(own.stderr, 'is running');
  const otherDir = tempDir('drover-other-hub-');
  mkdirSync(otherDir, { recursive: true });
  copyFileSync(encryptionKeysPath(hub.dataDir), encryptionKeysPath(otherDir));
  const other = await drover(['secrets', 'rotate-key', '--data-dir', otherDir, ...store]);
  assert.is.not(other.code, 0);
  assert.match(other.stderr, 'renews the leader lock');
  assert.is(readEncryptionKeys(encryptionKeysPath(hub.dataDir))[0]?.name, old, 'nothing rotated');

  await hub.stop();
  const r = await drover(['secrets', 'rotate-key', '--data-dir', hub.dataDir, ...store]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'copy ');
  const keys = readEncryptionKeys(encryptionKeysPath(hub.dataDir));
  assert.is(keys.length, 1);
  assert.is.not(keys[0]?.name, old);
  const messages = await streamMessages(servers);
  assert.not.ok(
    messages.some((m) => m.includes(underOld)),
    'no message holds a value under the old key',
  );
  assert.ok(messages.some((m) => m.startsWith(`k8s:enc:aesgcm:v1:${keys[0]?.name}:`)));
  assert.not.ok(
    messages.some((m) => m.includes(SECRET)),
    'the Secret is never in clear',
  );

  const again = await startHubProcess({ args: store, dataDir: hub.dataDir });
  const s = await getJson<{ data: { code: string } }>(
    again.apiUrl,
    '/api/v1/namespaces/default/secrets/launch',
  );
  assert.is(Buffer.from(s.data.code, 'base64').toString(), SECRET);
});

test.run();
