// `drover cluster up` options: defaults (with units) and validation in one place.

export interface ClusterUpOptions {
  /** Parent directory: nats/ for the servers, hub-1 ... hub-N for the hubs. */
  dir: string;
  /** Hubs to start, all on the one NATS cluster. */
  hubs: number;
  /** nats-servers: 1 (no replication) or 3/5 (a JetStream Raft cluster, store replicas 3). */
  nats: number;
  /** Hub i's API port is apiPort + i - 1 (0 = any free port for each). */
  apiPort: number;
  /** Hub i's MQTTS port is mqttPort + i - 1 (0 = any free port for each). */
  mqttPort: number;
  /** Server i's client port is natsPort + i - 1, its route port natsClusterPort + i - 1 (0 = free ports). */
  natsPort: number;
  natsClusterPort: number;
  /** Passed to every hub. */
  logLevel?: string;
  /** Passed to every hub (tests use short ones). */
  nodeGrace?: string;
  heartbeatInterval?: string;
}

export const CLUSTER_DEFAULTS = {
  dir: '.drover-cluster',
  hubs: 3,
  nats: 3,
  apiPort: 6443, // 6443, 6444, 6445: kube-apiserver's port and the next ones
  mqttPort: 8883, // 8883, 8884, 8885: MQTTS and the next ones
  natsPort: 4222, // nats-server's client port and the next ones
  natsClusterPort: 6222, // nats-server's route port and the next ones
} as const;

/** Restart delay of a hub that exited (a crash), ms. */
export const HUB_RESTART_DELAY_MS = 1_000;
/** How long a hub may take to write its endpoints after it starts, ms. */
export const HUB_START_TIMEOUT_MS = 60_000;

export class ClusterOptionError extends Error {
  override name = 'ClusterOptionError';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
  }
}

function count(v: number, option: string, allowed: number[]): number {
  if (!allowed.includes(v)) throw new ClusterOptionError(option, `must be one of ${allowed.join(', ')}`);
  return v;
}

function port(v: number, option: string, span: number): number {
  if (!Number.isInteger(v) || v < 0 || v + span > 65_535)
    throw new ClusterOptionError(option, `must be 0 (free ports) or a port with ${span} more after it`);
  return v;
}

export function validateClusterOptions(o: Partial<ClusterUpOptions>): ClusterUpOptions {
  const hubs = count(o.hubs ?? CLUSTER_DEFAULTS.hubs, '--hubs', [1, 2, 3, 4, 5]);
  const nats = count(o.nats ?? CLUSTER_DEFAULTS.nats, '--nats', [1, 3, 5]);
  return {
    dir: o.dir ?? CLUSTER_DEFAULTS.dir,
    hubs,
    nats,
    apiPort: port(o.apiPort ?? CLUSTER_DEFAULTS.apiPort, '--api-port', hubs),
    mqttPort: port(o.mqttPort ?? CLUSTER_DEFAULTS.mqttPort, '--mqtt-port', hubs),
    natsPort: port(o.natsPort ?? CLUSTER_DEFAULTS.natsPort, '--nats-port', nats),
    natsClusterPort: port(o.natsClusterPort ?? CLUSTER_DEFAULTS.natsClusterPort, '--nats-cluster-port', nats),
    ...(o.logLevel ? { logLevel: o.logLevel } : {}),
    ...(o.nodeGrace ? { nodeGrace: o.nodeGrace } : {}),
    ...(o.heartbeatInterval ? { heartbeatInterval: o.heartbeatInterval } : {}),
  };
}
