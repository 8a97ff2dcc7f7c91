// `drover token create [--ttl 24h] [--description TEXT]`: a bootstrap token, through the API.

import { parseDurationMs } from '../../agent/duration.js';
import { flagBool, flagString, parseFlags } from '../../agent/flags.js';
import { resolveApiTarget } from '../api.js';
import { TARGET_FLAGS, UsageError } from '../common.js';

export const TOKEN_USAGE = `Usage: drover token create [--ttl 24h] [--description TEXT] [--server URL | --kubeconfig FILE]

Creates a bootstrap token (a Secret in kube-system) and prints it. Agents join with
\`drover agent --hub mqtt://HUB:1883 --token TOKEN\`. Without --ttl the token does not expire.
`;

export async function tokenCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const f = parseFlags(argv, {
    ...TARGET_FLAGS,
    ttl: { type: 'string' },
    description: { type: 'string' },
    help: { type: 'boolean', aliases: ['-h'] },
  });
  if (flagBool(f, 'help')) {
    out(TOKEN_USAGE);
    return 0;
  }
  if (f.positionals[0] !== 'create' || f.positionals.length > 1)
    throw new UsageError('the token command has one verb: `drover token create`', TOKEN_USAGE);
  const ttl = flagString(f, 'ttl');
  const ttlMs = ttl === undefined ? undefined : parseDurationMs(ttl);
  if (ttl !== undefined && ttlMs === undefined)
    throw new UsageError('--ttl must be a duration such as 24h or 30m', TOKEN_USAGE);
  const target = resolveApiTarget({
    server: flagString(f, 'server'),
    kubeconfig: flagString(f, 'kubeconfig'),
  });
  const [{ HttpApiClient }, { createBootstrapToken }] = await Promise.all([
    import('../../hub/api/http-client.js'),
    import('../../hub/auth/tokens.js'),
  ]);
  const client = new HttpApiClient(
    target.server,
    target.token ? { authorization: `Bearer ${target.token}` } : {},
  );
  const token = await createBootstrapToken(client, {
    ttlSeconds: ttlMs === undefined ? undefined : Math.ceil(ttlMs / 1000),
    description: flagString(f, 'description') ?? 'created by drover token create',
  });
  out(`${token}\n`);
  return 0;
}
