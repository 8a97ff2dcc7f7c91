// Fleet simulator options: every default (with its unit) and every validation rule in one place.

import {
  BOOTSTRAP_TOKEN_RE,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_MQTT_KEEPALIVE_S,
  DEFAULT_STATUS_INTERVAL_MS,
} from '../../shared/protocol/constants.js';

export interface SimOptions {
  /** Hub broker URL: mqtts://host:port (with caPem), or mqtt:// for the hub's plain listener; several hubs comma-separated (node i starts on hub i mod n). */
  hubUrl: string;
  /** The hub CA (PEM) for mqtts://: every hollow node trusts it, none pins it. */
  caPem?: string;
  /** Bootstrap token every hollow node joins with. */
  token: string;
  /** Hollow nodes in the whole fleet. */
  nodes: number;
  /** Node names are `<namePrefix><index>`. */
  namePrefix: string;
  /** Hollow nodes per child process (each is one MQTT connection; the fd limit is 20,000). */
  nodesPerProcess: number;
  heartbeatIntervalMs: number;
  /** Full status resend interval, ms (the agent also sends one at every connect). */
  statusIntervalMs: number;
  keepaliveS: number;
  /** Joins started per second across the fleet (0 = all at once). */
  rampPerSecond: number;
  /** Time from a pod appearing in the desired set to its Running report, ms. */
  podStartDelayMs: number;
  /** Images whose hollow containers crash at start (restarted, never Ready): a bad release. */
  crashImages: string[];
  /** Hollow nodes (names) on which crashImages crash; empty = every node. */
  crashNodes: string[];
  /** Architecture mix as weights, e.g. {amd64: 1, arm64: 3, arm: 1}. */
  archMix: Record<string, number>;
  /** Zones spread round-robin over the fleet (label topology.kubernetes.io/zone); 0 = none. */
  zones: number;
  /** Labels every hollow node carries besides arch and zone. */
  labels: Record<string, string>;
  /** Fraction of nodes (0..1) that stop heartbeating after failAfterMs, connection kept open. */
  silentFraction: number;
  /** Fraction of nodes (0..1) whose connection drops after failAfterMs (last will), never back. */
  dropFraction: number;
  /** When silent/dropping nodes fail, ms after they connected. */
  failAfterMs: number;
  /** Join timeout per attempt, ms. */
  joinTimeoutMs: number;
  /** Connection attempts (dial to CONNACK) at once per simulator process (agent/dial-gate.ts). */
  dialsPerProcess: number;
  /**
   * Connection attempts started per second per simulator process, 0 = as many as the gate
   * lets through: a fleet that comes back at a fixed pace (a slow uplink, a busy machine).
   */
  dialsPerSecond: number;
}

export const SIM_DEFAULTS: Omit<SimOptions, 'hubUrl' | 'token'> = {
  nodes: 100,
  namePrefix: 'hollow-',
  nodesPerProcess: 2500, // connections per process, well under the 20,000 fd limit
  heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS, // 10 s
  statusIntervalMs: DEFAULT_STATUS_INTERVAL_MS, // 60 s
  keepaliveS: DEFAULT_MQTT_KEEPALIVE_S, // 30 s
  rampPerSecond: 200, // joins/s
  podStartDelayMs: 500, // ms
  crashImages: [],
  crashNodes: [],
  archMix: { amd64: 1, arm64: 1 },
  zones: 3,
  labels: { 'drover.io/hollow': 'true' },
  silentFraction: 0,
  dropFraction: 0,
  failAfterMs: 30_000, // ms
  joinTimeoutMs: 30_000, // ms: a hub busy with thousands of joins answers slowly
  // Attempts: a process's share of a core finishes this many TLS handshakes well inside the
  // hub's 10 s deadline even on a loaded machine; the rest wait, as boards in backoff would.
  dialsPerProcess: 32,
  dialsPerSecond: 0, // unpaced
};

export class SimOptionError extends Error {
  override name = 'SimOptionError';
  constructor(
    readonly option: keyof SimOptions,
    reason: string,
  ) {
    super(`simulator option ${option}: ${reason}`);
  }
}

export function resolveSimOptions(
  opts: Partial<SimOptions> & Pick<SimOptions, 'hubUrl' | 'token'>,
): SimOptions {
  const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  const o: SimOptions = { ...SIM_DEFAULTS, ...defined } as SimOptions;
  if (!/^(mqtt|mqtts|tcp|tls):\/\//.test(o.hubUrl))
    throw new SimOptionError('hubUrl', 'must be mqtts://host:port or mqtt://host:port');
  if (/^(mqtts|tls):/.test(o.hubUrl) && !o.caPem)
    throw new SimOptionError('caPem', 'an mqtts:// hub needs its CA (the hub data dir has it in pki/ca.crt)');
  if (!BOOTSTRAP_TOKEN_RE.test(o.token))
    throw new SimOptionError('token', 'must be a bootstrap token abcdef.0123456789abcdef');
  const int = (k: keyof SimOptions, min: number) => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw new SimOptionError(k, `must be an integer >= ${min}`);
  };
  int('nodes', 1);
  int('nodesPerProcess', 1);
  int('heartbeatIntervalMs', 100);
  int('statusIntervalMs', 100);
  int('keepaliveS', 1);
  int('podStartDelayMs', 0);
  int('zones', 0);
  int('failAfterMs', 0);
  int('joinTimeoutMs', 100);
  int('dialsPerProcess', 1);
  if (!(o.dialsPerSecond >= 0)) throw new SimOptionError('dialsPerSecond', 'must be >= 0 (0 = unpaced)');
  if (!(o.rampPerSecond >= 0)) throw new SimOptionError('rampPerSecond', 'must be >= 0 (0 = all at once)');
  for (const k of ['silentFraction', 'dropFraction'] as const)
    if (!(o[k] >= 0 && o[k] <= 1)) throw new SimOptionError(k, 'must be between 0 and 1');
  if (o.silentFraction + o.dropFraction > 1)
    throw new SimOptionError('dropFraction', 'silentFraction + dropFraction must be <= 1');
  const weights = Object.values(o.archMix);
  if (weights.length === 0 || weights.some((w) => !(w >= 0)) || weights.every((w) => w === 0))
    throw new SimOptionError('archMix', 'needs at least one architecture with a positive weight');
  if (!/^[a-z0-9]([-a-z0-9]*)?$/.test(o.namePrefix))
    throw new SimOptionError('namePrefix', 'must be lowercase DNS-1123 characters');
  return o;
}
