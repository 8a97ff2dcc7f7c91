// Secrets at rest: a real hub on a real SQLite file; the file's bytes (WAL included) are searched
// for a Secret's value, which must not be there, while a ConfigMap's value is (the search works).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Hub } from '../../../hub/hub.js';
import { AesGcmTransformer, DecryptionError } from '../../../hub/store/encrypting.js';
import {
  encryptionKeysPath,
  newEncryptionKey,
  readEncryptionKeys,
} from '../../../hub/store/encryption-keys.js';
import type { ConfigMap, Secret } from '../../../shared/api/types.js';
import { drover } from '../../helpers/procs.js';
import { tempDir, testHub } from '../gateway/harness.js';

const SECRET = 'launch-code-7f3a9c';
const PUBLIC = 'public-note-2b8e1d';

/** Every byte of the store's files (store.db, -wal, -shm). */
function storeBytes(dataDir: string): Buffer {
  const files = readdirSync(dataDir).filter((f) => f.startsWith('store.db'));
  return Buffer.concat(files.map((f) => readFileSync(join(dataDir, f))));
}

const has = (buf: Buffer, s: string) =>
  buf.includes(Buffer.from(s)) || buf.includes(Buffer.from(Buffer.from(s).toString('base64')));

let dir: ReturnType<typeof tempDir>;
let hub: Hub;

test.before(async () => {
  dir = tempDir();
  hub = await testHub(dir.path);
});

test.after(async () => {
  await hub?.stop();
  dir.cleanup();
});

test('a Secret never reaches the store file in clear; the key file is 0600', async () => {
  await hub.client.create<Secret>('secrets', 'default', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'launch', namespace: 'default' },
    stringData: { code: SECRET },
  });
  await hub.client.create<ConfigMap>('configmaps', 'default', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'note', namespace: 'default' },
    data: { note: PUBLIC },
  });
  const s = await hub.client.get<Secret>('secrets', 'default', 'launch');
  assert.is(Buffer.from(s.data?.code ?? '', 'base64').toString(), SECRET);
  const bytes = storeBytes(dir.path);
  assert.ok(has(bytes, PUBLIC), 'the search finds a ConfigMap value (it can fail)');
  assert.not.ok(has(bytes, SECRET), 'the Secret value is not in the file');
  assert.not.ok(bytes.includes(Buffer.from('"name":"launch"')), 'nor its object JSON');
  assert.ok(bytes.includes(Buffer.from('k8s:enc:aesgcm:v1:')));
  assert.is(statSync(encryptionKeysPath(dir.path)).mode & 0o777, 0o600);
});

test('rotate-key: refused while the hub runs; with it stopped, every Secret moves to a new key and the old one is gone', async () => {
  const before = readEncryptionKeys(encryptionKeysPath(dir.path));
  const refused = await drover(['secrets', 'rotate-key', '--data-dir', dir.path]);
  assert.is.not(refused.code, 0);
  assert.match(refused.stderr, 'is running');
  await hub.stop();
  const r = await drover(['secrets', 'rotate-key', '--data-dir', dir.path]);
  assert.is(r.code, 0, r.stderr);
  const after = readEncryptionKeys(encryptionKeysPath(dir.path));
  assert.is(after.length, 1);
  assert.is.not(after[0]?.name, before[0]?.name);
  const bytes = storeBytes(dir.path);
  assert.not.ok(has(bytes, SECRET));
  // History was compacted: no stored value names the old key any more.
  assert.not.ok(
    bytes.includes(Buffer.from(`k8s:enc:aesgcm:v1:${before[0]?.name}:`)),
    'no value under the old key',
  );
  hub = await testHub(dir.path);
  const s = await hub.client.get<Secret>('secrets', 'default', 'launch');
  assert.is(Buffer.from(s.data?.code ?? '', 'base64').toString(), SECRET);
});

test('a value decrypts only under its own storage key and with a key this hub holds', () => {
  const k = newEncryptionKey();
  const t = new AesGcmTransformer([k]);
  const enc = t.encrypt('/registry/secrets/default/a', '{"x":1}');
  assert.is(t.decrypt('/registry/secrets/default/a', enc), '{"x":1}');
  assert.throws(
    () => t.decrypt('/registry/secrets/default/b', enc),
    (e: unknown) => e instanceof DecryptionError,
  );
  assert.throws(
    () => new AesGcmTransformer([newEncryptionKey()]).decrypt('/registry/secrets/default/a', enc),
    (e: unknown) => e instanceof DecryptionError,
  );
  const tampered = `${enc.slice(0, -6)}AAAAAA`;
  assert.throws(
    () => t.decrypt('/registry/secrets/default/a', tampered),
    (e: unknown) => e instanceof DecryptionError,
  );
});

test.run();
