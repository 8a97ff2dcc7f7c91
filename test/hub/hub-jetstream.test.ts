// `drover hub --store nats://...`: the hub keeps its objects in JetStream KV, not in its data
// directory: a hub started later with an empty data directory on the same NATS sees them with
// the same resourceVersions.

import { copyFileSync } from 'node:fs';
import { encryptionKeysPath } from '../../hub/store/encryption-keys.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { apiFetch, getJson } from '../helpers/api.js';
import { type NatsCluster, startNats } from '../helpers/nats.js';
import { killAll, startHubProcess } from '../helpers/procs.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

let nats: NatsCluster | undefined;

test.after(async () => {
  await killAll();
  await nats?.stop();
  cleanupTempDirs();
});

interface ConfigMap {
  metadata: { name: string; resourceVersion: string; uid: string };
  data?: Record<string, string>;
}

test('objects live in NATS: a second hub with an empty data directory serves them unchanged', async () => {
  nats = await startNats(1);
  const store = ['--store', nats.urls.join(',')];
  const first = await startHubProcess({ args: store });
  const res = await apiFetch(first.apiUrl, '/api/v1/namespaces/default/configmaps', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'on-nats' },
      data: { a: '1' },
    }),
  });
  assert.is(res.status, 201, await res.text());
  const created = (await getJson(first.apiUrl, '/api/v1/namespaces/default/configmaps/on-nats')) as ConfigMap;
  await first.stop();

  // Hubs sharing a store share the key that encrypts Secrets in it (as every kube-apiserver of a
  // cluster reads the same EncryptionConfiguration): the second hub's data dir holds only that.
  const secondDir = tempDir('drover-hub-');
  copyFileSync(encryptionKeysPath(first.dataDir), encryptionKeysPath(secondDir));
  const second = await startHubProcess({ args: store, dataDir: secondDir });
  assert.is.not(second.dataDir, first.dataDir);
  const again = (await getJson(second.apiUrl, '/api/v1/namespaces/default/configmaps/on-nats')) as ConfigMap;
  assert.equal(again.data, { a: '1' });
  assert.is(again.metadata.uid, created.metadata.uid);
  assert.is(again.metadata.resourceVersion, created.metadata.resourceVersion);
});

test.run();
