// `drover kubeconfig create --user U [--group G1,G2]`: a kubeconfig with a fresh client
// certificate from the hub CA (CN = U, O = each group), as `kubeadm kubeconfig user` makes one.
// It runs beside the hub: it reads the CA key from the hub's data dir. What the user may then
// do is RBAC's business: bind a role to U or to one of the groups.

import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flagBool, flagString, parseFlags } from '../../agent/flags.js';
import { DEFAULT_HUB_DATA_DIR, readKubeconfig } from '../api.js';
import { UsageError } from '../common.js';

export const KUBECONFIG_USAGE = `Usage: drover kubeconfig create --user NAME [--group G1,G2] [--data-dir DIR] [--server URL] [--out FILE]

Prints (or writes to FILE, mode 0600) a kubeconfig for NAME with a client certificate from the
hub CA in DIR/pki (default ${DEFAULT_HUB_DATA_DIR}). Groups become the certificate's O entries
(system:masters = cluster-admin; system:nodes with --user system:node:BOARD = a node identity).
The server defaults to the one in DIR/kubeconfig.
`;

export async function kubeconfigCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const f = parseFlags(argv, {
    user: { type: 'string' },
    group: { type: 'string' },
    'data-dir': { type: 'string' },
    server: { type: 'string' },
    out: { type: 'string', aliases: ['-o'] },
    help: { type: 'boolean', aliases: ['-h'] },
  });
  if (flagBool(f, 'help')) {
    out(KUBECONFIG_USAGE);
    return 0;
  }
  if (f.positionals[0] !== 'create' || f.positionals.length > 1)
    throw new UsageError('the kubeconfig command has one verb: `drover kubeconfig create`', KUBECONFIG_USAGE);
  const user = flagString(f, 'user');
  if (!user) throw new UsageError('--user NAME is required', KUBECONFIG_USAGE);
  const groups = (flagString(f, 'group') ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  const dataDir = flagString(f, 'data-dir') ?? DEFAULT_HUB_DATA_DIR;
  const hubKubeconfig = join(dataDir, 'kubeconfig');
  const server = flagString(f, 'server') ?? readKubeconfig(hubKubeconfig).server;
  const serverCa = readKubeconfig(hubKubeconfig).tls.caPem;
  const [{ loadOrCreateCa, pkiPaths }, { clientKubeconfig }] = await Promise.all([
    import('../../hub/auth/pki.js'),
    import('../../hub/auth/kubeconfig.js'),
  ]);
  // Never make a CA here: a missing one means this is not the hub's data dir.
  readFileSync(pkiPaths(dataDir).caKey);
  const ca = await loadOrCreateCa(dataDir);
  const yaml = await clientKubeconfig(ca, server, { user, groups }, serverCa);
  const file = flagString(f, 'out');
  if (!file) {
    out(yaml);
    return 0;
  }
  writeFileSync(file, yaml, { mode: 0o600 });
  chmodSync(file, 0o600);
  out(`kubeconfig for ${user}${groups.length ? ` (groups ${groups.join(', ')})` : ''} written to ${file}\n`);
  return 0;
}
