// What the hubs of one cluster share besides the store: the hub CA (every hub's serving
// certificate is signed by it, so a board's one pin and the admin kubeconfig fit every hub),
// the ServiceAccount signing key (a token from one hub is valid on all) and the key that
// encrypts Secrets in the shared store. Copied from the first hub's data directory into each
// other hub's before it starts, as kubeadm copies the cluster certificates to another
// control-plane node. Each hub makes its own serving certificate, kubeconfig and endpoints.

import { chmodSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pkiPaths } from '../../hub/auth/pki.js';
import { encryptionKeysPath } from '../../hub/store/encryption-keys.js';

export class HubFilesMissingError extends Error {
  override name = 'HubFilesMissingError';
}

/** The shared files of a hub data directory, with their modes. */
function sharedFiles(dataDir: string): [string, number][] {
  const pki = pkiPaths(dataDir);
  return [
    [pki.caCert, 0o600],
    [pki.caKey, 0o600],
    [join(pki.dir, 'sa.key'), 0o600],
    [encryptionKeysPath(dataDir), 0o600],
  ];
}

/** Copies the cluster's shared files from a started hub's data directory into another's. */
export function copySharedHubFiles(fromDataDir: string, toDataDir: string): void {
  const from = sharedFiles(fromDataDir);
  const to = sharedFiles(toDataDir);
  for (const [path] of from)
    if (!existsSync(path))
      throw new HubFilesMissingError(`${path} is missing: start the first hub once before copying its files`);
  mkdirSync(pkiPaths(toDataDir).dir, { recursive: true, mode: 0o700 });
  from.forEach(([path, mode], i) => {
    const target = to[i]![0];
    copyFileSync(path, target);
    chmodSync(target, mode); // private keys: 0600 whatever the umask made
  });
}
