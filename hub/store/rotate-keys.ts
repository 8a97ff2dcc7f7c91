// Encryption key rotation, offline (no hub running on the store): a new key goes in front of
// the key file first (a crash half-way leaves every value readable), every Secret is
// re-encrypted with it, what the store keeps beyond each key's latest value is forgotten (old
// revisions hold old-key values), then the old keys are dropped. The store is SQLite (the hub's
// file: history compacted, the file vacuumed) or the JetStream bucket several hubs share (each
// re-encrypted key's earlier messages purged); the new key file must then reach every hub's
// data directory, as every kube-apiserver of a cluster reads the same EncryptionConfiguration.

import type { Logger } from '../../shared/log.js';
import { AesGcmTransformer } from './encrypting.js';
import {
  encryptionKeysPath,
  newEncryptionKey,
  readEncryptionKeys,
  writeEncryptionKeys,
} from './encryption-keys.js';
import { KvLeaderLock } from '../leader/kv-lock.js';
import { leaderAlive } from '../leader/liveness.js';
import { JetStreamStore } from './jetstream.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './store.js';

export interface RotationResult {
  key: string;
  reencrypted: number;
  droppedKeys: string[];
}

/** The store being rotated, and how it forgets values older than each key's latest. */
export interface RotationTarget {
  store: Store;
  forgetHistory(rewritten: string[]): Promise<void>;
  /** Whether a hub works on this store now (shared stores; a SQLite file's hub answers its API). */
  hubRunning?(): Promise<boolean>;
}

export function sqliteRotationTarget(path: string): RotationTarget {
  const store = SqliteStore.open(path);
  return {
    store,
    async forgetHistory() {
      await store.compact(await store.revision());
      await store.vacuum();
    },
  };
}

export async function jetstreamRotationTarget(servers: string[], log: Logger): Promise<RotationTarget> {
  const store = await JetStreamStore.open({ servers, log, name: 'drover-rotate-key', compactIntervalMs: 0 });
  return {
    store,
    // A hub leads on the store while it renews the leader lock.
    hubRunning: async () => leaderAlive(await KvLeaderLock.open(store.connection, 1)),
    async forgetHistory(rewritten) {
      // Tombstones of deleted Secrets hold their last value: compaction drops them.
      await store.compact(await store.revision());
      for (const key of rewritten) await store.forgetEarlierValues(key);
    },
  };
}

export async function rotateEncryptionKey(
  dataDir: string,
  target: RotationTarget,
  prefixes: string[],
): Promise<RotationResult> {
  const path = encryptionKeysPath(dataDir);
  const old = readEncryptionKeys(path);
  const fresh = newEncryptionKey();
  const both = new AesGcmTransformer([fresh, ...old]);
  const rewritten: string[] = [];
  const { store } = target;
  const steps: [string, () => Promise<void> | void][] = [
    ['add the new key in front', () => writeEncryptionKeys(path, [fresh, ...old])],
    [
      're-encrypt every value with it',
      async () => {
        for (const prefix of prefixes)
          for (const kv of (await store.list(prefix)).items) {
            if (AesGcmTransformer.keyNameOf(kv.value) === fresh.name) continue;
            const plain = both.decrypt(kv.key, kv.value);
            await store.update(kv.key, both.encrypt(kv.key, plain), kv.modRevision);
            rewritten.push(kv.key);
          }
      },
    ],
    // History holds values under the old keys: forget it, so nothing needs them after the drop.
    ['forget earlier values', () => target.forgetHistory(rewritten)],
    ['drop the old keys', () => writeEncryptionKeys(path, [fresh])],
  ];
  try {
    for (const [, run] of steps) await run();
  } finally {
    await store.close();
  }
  return { key: fresh.name, reencrypted: rewritten.length, droppedKeys: old.map((k) => k.name) };
}
