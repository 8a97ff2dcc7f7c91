// `drover secrets rotate-key [--data-dir DIR]`: a new encryption key for Secrets at rest, every
// Secret re-encrypted with it, the old keys dropped. The hub must be stopped: its store file is
// rewritten here, and a running hub holds only the old keys.

import { join } from 'node:path';
import { flagBool, flagString, parseFlags } from '../../agent/flags.js';
import { apiRequest, DEFAULT_HUB_DATA_DIR, resolveApiTarget } from '../api.js';
import { UsageError } from '../common.js';

export const SECRETS_USAGE = `Usage: drover secrets rotate-key [--data-dir DIR]

Stop the hub first. Makes a new AES-256-GCM key in DIR/encryption-keys.json (default
${DEFAULT_HUB_DATA_DIR}), re-encrypts every Secret in DIR/store.db with it and drops the old keys.
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
  const f = parseFlags(argv, { 'data-dir': { type: 'string' }, help: { type: 'boolean', aliases: ['-h'] } });
  if (flagBool(f, 'help')) {
    out(SECRETS_USAGE);
    return 0;
  }
  if (f.positionals[0] !== 'rotate-key' || f.positionals.length > 1)
    throw new UsageError('the secrets command has one verb: `drover secrets rotate-key`', SECRETS_USAGE);
  const dataDir = flagString(f, 'data-dir') ?? DEFAULT_HUB_DATA_DIR;
  if (await hubAnswers(dataDir))
    throw new UsageError(`the hub of ${dataDir} is running: stop it, rotate, start it again`, SECRETS_USAGE);
  const [{ rotateEncryptionKey }, { dataFiles, ENCRYPTED_PREFIXES }] = await Promise.all([
    import('../../hub/store/rotate-keys.js'),
    import('../../hub/hub.js'),
  ]);
  const r = await rotateEncryptionKey(dataDir, dataFiles(dataDir).store, ENCRYPTED_PREFIXES);
  out(
    `encryption key ${r.key}: ${r.reencrypted} secrets re-encrypted; dropped ${r.droppedKeys.join(', ')}\n`,
  );
  return 0;
}
