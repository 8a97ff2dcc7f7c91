// `drover cluster up`: nats-servers and several hubs on this machine, to try Drover on NATS
// (docs: README "Run Drover on NATS across machines" for the same on three machines).

import { type FlagSpecs, flagBool, flagString, parseFlags } from '../../agent/flags.js';
import { clusterUp } from '../cluster/up.js';
import { CLUSTER_DEFAULTS, ClusterOptionError, validateClusterOptions } from '../cluster/options.js';
import { UsageError } from '../common.js';
import { untilSignal } from './hub.js';

export const CLUSTER_USAGE = `Usage: drover cluster up [options]

Starts a JetStream cluster of Debian's nats-server and several hubs sharing it, on 127.0.0.1;
prints the join line with every hub. Ctrl-C stops everything.

Options:
  --data-dir DIR            nats/ and hub-1 ... hub-N in DIR (default ${CLUSTER_DEFAULTS.dir})
  --hubs N                  hubs, 1-5 (default ${CLUSTER_DEFAULTS.hubs})
  --nats N                  nats-servers, 1, 3 or 5 (default ${CLUSTER_DEFAULTS.nats}; 3+ = store replicas 3)
  --api-port P              hub i's API on P+i-1 (default ${CLUSTER_DEFAULTS.apiPort}; 0 = free ports)
  --mqtt-port P             hub i's MQTTS on P+i-1 (default ${CLUSTER_DEFAULTS.mqttPort}; 0 = free ports)
  --nats-port P             server i's clients on P+i-1 (default ${CLUSTER_DEFAULTS.natsPort}; 0 = free ports)
  --nats-cluster-port P     server i's routes on P+i-1 (default ${CLUSTER_DEFAULTS.natsClusterPort}; 0 = free ports)
  --node-grace, --heartbeat-interval, --log-level   passed to every hub
`;

const FLAGS: FlagSpecs = {
  'data-dir': { type: 'string' },
  hubs: { type: 'string' },
  nats: { type: 'string' },
  'api-port': { type: 'string' },
  'mqtt-port': { type: 'string' },
  'nats-port': { type: 'string' },
  'nats-cluster-port': { type: 'string' },
  'node-grace': { type: 'string' },
  'heartbeat-interval': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', aliases: ['-h'] },
};

export async function clusterCommand(argv: string[]): Promise<number> {
  const f = parseFlags(argv, FLAGS);
  if (flagBool(f, 'help')) {
    process.stdout.write(CLUSTER_USAGE);
    return 0;
  }
  if (f.positionals[0] !== 'up' || f.positionals.length > 1)
    throw new UsageError('the only subcommand is `drover cluster up`', CLUSTER_USAGE);
  const num = (flag: string) => {
    const v = flagString(f, flag);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new UsageError(`--${flag} must be a number`, CLUSTER_USAGE);
    return Number(v);
  };
  const str = (flag: string) => flagString(f, flag);
  let o: ReturnType<typeof validateClusterOptions>;
  try {
    o = validateClusterOptions({
      dir: str('data-dir'),
      hubs: num('hubs'),
      nats: num('nats'),
      apiPort: num('api-port'),
      mqttPort: num('mqtt-port'),
      natsPort: num('nats-port'),
      natsClusterPort: num('nats-cluster-port'),
      logLevel: str('log-level'),
      nodeGrace: str('node-grace'),
      heartbeatInterval: str('heartbeat-interval'),
    });
  } catch (e) {
    if (e instanceof ClusterOptionError) throw new UsageError(e.message, CLUSTER_USAGE);
    throw e;
  }
  return clusterUp(o, untilSignal(), (s) => process.stdout.write(s));
}
