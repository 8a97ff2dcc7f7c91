// `drover token create|list|delete`: bootstrap tokens, through the API (kubeadm token's verbs).

import { parseDurationMs } from '../../agent/duration.js';
import { flagBool, flagString, type ParsedFlags, parseFlags } from '../../agent/flags.js';
import type { ApiClient } from '../../hub/api/client.js';
import { TARGET_FLAGS, UsageError } from '../common.js';
import { hubApiClient } from '../hub-client.js';
import { formatColumns } from '../table.js';

export const TOKEN_USAGE = `Usage: drover token create [--ttl 24h] [--node NAME] [--usages N] [--description TEXT]
       drover token list
       drover token delete TOKEN_ID|TOKEN
       (each with [--server URL | --kubeconfig FILE])

create   makes a bootstrap token (a Secret in kube-system) and prints the line that joins a
         board with it. --ttl: lifetime (default 24h; 0 = never expires). --node: the token
         joins only this node name. --usages: joins allowed (--node alone means 1: a per-board,
         single-use token for an SD card image).
list     shows tokens (id, expiry, node, uses), never their secrets.
delete   removes a token: it no longer joins anything (boards already joined keep their own credential).
`;

export async function tokenCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const f = parseFlags(argv, {
    ...TARGET_FLAGS,
    ttl: { type: 'string' },
    description: { type: 'string' },
    node: { type: 'string' },
    usages: { type: 'string' },
    help: { type: 'boolean', aliases: ['-h'] },
  });
  if (flagBool(f, 'help')) {
    out(TOKEN_USAGE);
    return 0;
  }
  const [verb, ...args] = f.positionals;
  const verbs: Record<string, () => Promise<void>> = {
    create: async () => {
      if (args.length) throw new UsageError('token create takes no arguments', TOKEN_USAGE);
      const opts = createOptions(f);
      const [client, { createBootstrapToken }] = await Promise.all([
        hubApiClient(f),
        import('../../hub/auth/tokens.js'),
      ]);
      const token = await createBootstrapToken(client, opts);
      out(`${await joinLine(client, token, opts.nodeName)}\n`);
    },
    list: async () => {
      const [client, { listBootstrapTokens }] = await Promise.all([
        hubApiClient(f),
        import('../../hub/auth/tokens.js'),
      ]);
      const rows = (await listBootstrapTokens(client)).map((t) => [
        t.id,
        t.expiration ?? '<forever>',
        t.nodeName ?? '<any>',
        t.usageLimit === undefined ? `${t.usageCount}` : `${t.usageCount}/${t.usageLimit}`,
        t.description ?? '',
      ]);
      out(formatColumns(['ID', 'EXPIRES', 'NODE', 'USES', 'DESCRIPTION'], rows));
    },
    delete: async () => {
      if (args.length !== 1) throw new UsageError('token delete needs one TOKEN_ID', TOKEN_USAGE);
      const [client, { deleteBootstrapToken }] = await Promise.all([
        hubApiClient(f),
        import('../../hub/auth/tokens.js'),
      ]);
      if (!(await deleteBootstrapToken(client, args[0]!)))
        throw new Error(`no bootstrap token ${args[0]!.split('.')[0]}`);
      out(`bootstrap token ${args[0]!.split('.')[0]} deleted\n`);
    },
  };
  const run = verb === undefined ? undefined : verbs[verb];
  if (!run) throw new UsageError('the token command takes create, list or delete', TOKEN_USAGE);
  await run();
  return 0;
}

function createOptions(f: ParsedFlags) {
  const ttl = flagString(f, 'ttl');
  const ttlMs = ttl === undefined ? undefined : parseDurationMs(ttl);
  if (ttl !== undefined && ttlMs === undefined)
    throw new UsageError('--ttl must be a duration such as 24h or 30m (0 = never expires)', TOKEN_USAGE);
  const usages = flagString(f, 'usages');
  if (usages !== undefined && !/^[1-9]\d*$/.test(usages))
    throw new UsageError('--usages must be a whole number >= 1', TOKEN_USAGE);
  const nodeName = flagString(f, 'node');
  return {
    ttlSeconds: ttlMs === undefined ? undefined : Math.ceil(ttlMs / 1000),
    description:
      flagString(f, 'description') ?? (nodeName ? `for node ${nodeName}` : 'created by drover token create'),
    nodeName,
    usageLimit: usages !== undefined ? Number(usages) : nodeName ? 1 : undefined,
  };
}

/** The join line from the hub's published cluster info (or a placeholder address when it has none). */
async function joinLine(client: ApiClient, token: string, nodeName?: string): Promise<string> {
  const [{ joinCommandLine, readClusterInfo }, { caCertHash }] = await Promise.all([
    import('../../hub/cluster-info.js'),
    import('../../shared/tls/ca-hash.js'),
  ]);
  const info = await readClusterInfo(client);
  return joinCommandLine({
    mqttUrl: info?.mqttUrl ?? 'mqtts://<hub-address>:8883',
    token,
    caHash: info?.caCert ? caCertHash(info.caCert) : undefined,
    nodeName,
  });
}
