// The keys that encrypt Secrets at rest (kube-apiserver's EncryptionConfiguration, aesgcm
// provider): <dataDir>/encryption-keys.json, mode 0600, `{"keys":[{"name","secret"}]}` with
// 32-byte base64 secrets. The first key encrypts new writes; every key decrypts, so a rotation
// adds a key in front, re-encrypts, then drops the old ones.

import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface EncryptionKey {
  name: string;
  /** 32 bytes (AES-256). */
  secret: Buffer;
}

/** The key file is missing a usable key, or a key is not 32 bytes. */
export class EncryptionKeyFileError extends Error {
  override name = 'EncryptionKeyFileError';
}

export const encryptionKeysPath = (dataDir: string) => join(dataDir, 'encryption-keys.json');

export function newEncryptionKey(): EncryptionKey {
  return {
    name: `key-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
    secret: randomBytes(32),
  };
}

export function writeEncryptionKeys(path: string, keys: EncryptionKey[]): void {
  const doc = { keys: keys.map((k) => ({ name: k.name, secret: k.secret.toString('base64') })) };
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export function readEncryptionKeys(path: string): EncryptionKey[] {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { keys?: { name?: unknown; secret?: unknown }[] };
  const keys = (doc.keys ?? []).map((k) => {
    const secret = Buffer.from(String(k.secret ?? ''), 'base64');
    if (typeof k.name !== 'string' || !/^[a-z0-9-]+$/.test(k.name) || secret.length !== 32)
      throw new EncryptionKeyFileError(
        `${path}: every key needs a name [a-z0-9-] and a 32-byte base64 secret`,
      );
    return { name: k.name, secret };
  });
  if (!keys.length) throw new EncryptionKeyFileError(`${path}: no keys`);
  return keys;
}

/** The keys in <dataDir>, made on first start. */
export function loadOrCreateEncryptionKeys(dataDir: string): EncryptionKey[] {
  const path = encryptionKeysPath(dataDir);
  try {
    return readEncryptionKeys(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const keys = [newEncryptionKey()];
  writeEncryptionKeys(path, keys);
  return keys;
}
