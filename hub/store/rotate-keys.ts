// Encryption key rotation, offline (the hub stopped, as its store file is this process's alone):
// a new key goes in front of the key file first (a crash half-way leaves every value readable),
// every Secret is re-encrypted with it, history is compacted (old revisions hold old-key values),
// then the old keys are dropped.

import { AesGcmTransformer } from './encrypting.js';
import {
  encryptionKeysPath,
  newEncryptionKey,
  readEncryptionKeys,
  writeEncryptionKeys,
} from './encryption-keys.js';
import { SqliteStore } from './sqlite.js';

export interface RotationResult {
  key: string;
  reencrypted: number;
  droppedKeys: string[];
}

export async function rotateEncryptionKey(
  dataDir: string,
  storePath: string,
  prefixes: string[],
): Promise<RotationResult> {
  const path = encryptionKeysPath(dataDir);
  const old = readEncryptionKeys(path);
  const fresh = newEncryptionKey();
  const steps: [string, () => Promise<void> | void][] = [];
  let reencrypted = 0;
  const both = new AesGcmTransformer([fresh, ...old]);
  steps.push(['add the new key in front', () => writeEncryptionKeys(path, [fresh, ...old])]);
  steps.push([
    're-encrypt every value with it',
    async () => {
      const store = SqliteStore.open(storePath);
      try {
        for (const prefix of prefixes) {
          for (const kv of (await store.list(prefix)).items) {
            if (AesGcmTransformer.keyNameOf(kv.value) === fresh.name) continue;
            const plain = both.decrypt(kv.key, kv.value);
            await store.update(kv.key, both.encrypt(kv.key, plain), kv.modRevision);
            reencrypted++;
          }
        }
        // History holds values under the old keys: forget it, so nothing needs them after the drop.
        await store.compact(await store.revision());
        await store.vacuum();
      } finally {
        await store.close();
      }
    },
  ]);
  steps.push(['drop the old keys', () => writeEncryptionKeys(path, [fresh])]);
  for (const [, run] of steps) await run();
  return { key: fresh.name, reencrypted, droppedKeys: old.map((k) => k.name) };
}
