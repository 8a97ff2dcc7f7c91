// `drover node revoke|reset NAME`: a board's MQTT credential, through the API.

import { flagBool, parseFlags } from '../../agent/flags.js';
import { TARGET_FLAGS, UsageError } from '../common.js';
import { hubApiClient } from '../hub-client.js';

export const NODE_USAGE = `Usage: drover node revoke NAME
       drover node reset NAME
       (each with [--server URL | --kubeconfig FILE])

revoke   the board's credential stops working at once: the hub disconnects it, refuses its
         reconnects, and refuses joins as NAME (deleting the Node does the same).
reset    forgets the board's credential (revoked or not) and disconnects it: the next join as
         NAME with a valid bootstrap token gets a new credential (a re-flashed board).
`;

export async function nodeCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const f = parseFlags(argv, { ...TARGET_FLAGS, help: { type: 'boolean', aliases: ['-h'] } });
  if (flagBool(f, 'help')) {
    out(NODE_USAGE);
    return 0;
  }
  const [verb, name, ...rest] = f.positionals;
  if ((verb !== 'revoke' && verb !== 'reset') || !name || rest.length)
    throw new UsageError('the node command takes revoke NAME or reset NAME', NODE_USAGE);
  const [client, creds] = await Promise.all([hubApiClient(f), import('../../hub/auth/node-credentials.js')]);
  if (verb === 'revoke') {
    await creds.revokeNodeCredential(client, name, 'revoked by drover node revoke');
    out(`node ${name}: credential revoked\n`);
  } else {
    const had = await creds.resetNodeCredential(client, name);
    out(`node ${name}: ${had ? 'credential removed; it may join again' : 'had no credential'}\n`);
  }
  return 0;
}
