// `drover secrets rotate-key [--data-dir DIR] [--store nats://...]`: a new encryption key for
// Secrets at rest, every Secret re-encrypted with it, the old keys dropped. Every hub of the store
// must be stopped: the store is rewritten here, and a running hub holds only the old keys. On a
// NATS store, a hub is running when the leader lock is renewed.

import { join } from 'node:path';
import { flagBool, flagString, parseFlags } from '../../agent/flags.js';
import { apiRequest, DEFAULT_HUB_DATA_DIR, resolveApiTarget } from '../api.js';
import { UsageError } from '../common.js';
import { encryptionKeysPath } from '../../hub/store/encryption-keys.js';
import { createLogger } from '../../shared/log.js';

export const SECRETS_USAGE = `Usage: drover secrets rotate-key [--data-dir DIR] [--store nats://HOST:PORT,...]

Stop the hub (every hub, on a NATS store) first. Makes a new AES-256-GCM key in
DIR/encryption-keys.json (default ${DEFAULT_HUB_DATA_DIR}), re-encrypts every Secret in the store
with it (DIR/store.db, or the JetStream bucket the hubs share with --store) and drops the old keys.
With --store, copy DIR/encryption-keys.json to every other hub's data directory before starting it.
`;

async function hubAnswers(dataDir: string): Promise<boolean> {
  try {
    const target = resolveApiTarget({ kubeconfig: join(dataDir, 'kubeconfig') });
    await apiRequest(target, '/healthz', { accept: 'text/plain' });
    return true;
  } catch {
    return false;
  }
}

export async function secretsCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const f = parseFlags(argv, {
    'data-dir': { type: 'string' },
    store: { type: 'string' },
    help: { type: 'boolean', aliases: ['-h'] },
  });
  if (flagBool(f, 'help')) {
    out(SECRETS_USAGE);
    return 0;
  }
  if (f.positionals[0] !== 'rotate-key' || f.positionals.length > 1)
    throw new UsageError('the secrets command has one verb: `drover secrets rotate-key`', SECRETS_USAGE);
  const dataDir = flagString(f, 'data-dir') ?? DEFAULT_HUB_DATA_DIR;
  if (await hubAnswers(dataDir))
    throw new UsageError(`the hub of ${dataDir} is running: stop it, rotate, start it again`, SECRETS_USAGE);
  const [rotation, { dataFiles, ENCRYPTED_PREFIXES }, { natsServers }] = await Promise.all([
    import('../../hub/store/rotate-keys.js'),
    import('../../hub/hub.js'),
    import('../../hub/store/open.js'),
  ]);
  const servers = natsServers(flagString(f, 'store'));
  const target = servers
    ? await rotation.jetstreamRotationTarget(servers, createLogger('rotate-key'))
    : rotation.sqliteRotationTarget(dataFiles(dataDir).store);
  if (await target.hubRunning?.()) {
    await target.store.close();
    throw new UsageError(
      'a hub of this NATS store is running (it renews the leader lock): stop every hub, rotate, start them again',
      SECRETS_USAGE,
    );
  }
  const r = await rotation.rotateEncryptionKey(dataDir, target, ENCRYPTED_PREFIXES);
  out(
    `encryption key ${r.key}: ${r.reencrypted} secrets re-encrypted; dropped ${r.droppedKeys.join(', ')}\n`,
  );
  if (servers)
    out(`copy ${encryptionKeysPath(dataDir)} to every other hub's data directory before starting it\n`);
  return 0;
}
