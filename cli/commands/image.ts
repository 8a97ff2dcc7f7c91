// `drover image config --hub URL --token TOKEN [...] > drover.json`: the file a board reads
// from its boot partition on first boot (firmware-images/). Building images is
// `npm run image` (it needs the repository: the Debian package list, hooks and overlay).

import { type FlagSpecs, flagString, parseFlags } from '../../agent/flags.js';
import {
  BoardConfigError,
  formatBoardConfig,
  validateBoardConfig,
} from '../../firmware-images/config/board-config.js';
import { UsageError } from '../common.js';

export const IMAGE_USAGE = `Usage: drover image config --hub URL[,URL...] --token TOKEN [options] > drover.json

  --hub URL[,URL]       hub broker URL(s): mqtts://HOST:8883 (several when the hub is replicated)
  --token TOKEN         bootstrap token (drover token create); first boot removes it after the join
  --ca-hash sha256:HEX  pin of the hub's CA (the hub prints it)
  --name NAME           node name; {serial} is the board's serial number (default drover-{serial})
  --labels a=b,c=d      board labels (keys without a prefix go under drover.io/)
  --ssh-key "KEY"       an SSH public key for root logins (keys only; root has no password)

Copy drover.json onto the image's boot partition (the FAT one) before the first boot.
Build an image: npm run image -- --arch arm64 --board rpi4 (see README, "Flash a board").
`;

const FLAGS: FlagSpecs = {
  hub: { type: 'string' },
  token: { type: 'string' },
  'ca-hash': { type: 'string' },
  name: { type: 'string' },
  labels: { type: 'string' },
  'ssh-key': { type: 'string' },
  help: { type: 'boolean', aliases: ['-h'] },
};

function labelMap(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? '').split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new UsageError(`--labels: ${JSON.stringify(pair)} is not key=value`, IMAGE_USAGE);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

export async function imageCommand(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
): Promise<number> {
  const f = parseFlags(argv, FLAGS);
  if (f.values.help) {
    out(IMAGE_USAGE);
    return 0;
  }
  const [verb, ...rest] = f.positionals;
  if (verb !== 'config' || rest.length) throw new UsageError('the only verb is `config`', IMAGE_USAGE);
  const hub = flagString(f, 'hub');
  if (!hub) throw new UsageError('--hub is required', IMAGE_USAGE);
  const raw: Record<string, unknown> = {
    hub: hub
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
  };
  const token = flagString(f, 'token');
  if (token !== undefined) raw.token = token;
  const caHash = flagString(f, 'ca-hash');
  if (caHash !== undefined) raw.caHash = caHash;
  const name = flagString(f, 'name');
  if (name !== undefined) raw.name = name;
  raw.labels = labelMap(flagString(f, 'labels'));
  const sshKey = flagString(f, 'ssh-key');
  if (sshKey !== undefined) raw.sshAuthorizedKeys = [sshKey];
  try {
    out(formatBoardConfig(validateBoardConfig(raw)));
  } catch (e) {
    if (e instanceof BoardConfigError) throw new UsageError(e.message, IMAGE_USAGE);
    throw e;
  }
  return 0;
}
