// Agent options: defaults (with units), sources (flags > env DROVER_* > config file > defaults)
// and validation, in one place. Errors name the option and say what to fix.

import { DEFAULT_CLUSTER_DNS, DEFAULT_CLUSTER_DOMAIN } from './dns/options.js';
import { PROXY_DEFAULTS } from './proxy/options.js';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import {
  BOOTSTRAP_TOKEN_RE,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_MQTT_KEEPALIVE_S,
  DEFAULT_STATUS_INTERVAL_MS,
  METRICS_INTERVAL_MS,
} from '../shared/protocol/constants.js';
import { BOARD_LABEL_PREFIX, isAgentLabelKey } from '../shared/api/node-labels.js';
import { CA_HASH_RE } from '../shared/tls/ca-hash.js';
import { parseDurationMs } from './duration.js';
import { isTlsUrl } from './hub-ca.js';
import { DEFAULT_IMAGE_GC_POLICY, type ImageGcPolicy } from './images/gc-plan.js';
import { DEFAULT_IMAGE_GC_PERIOD_MS } from './images/gc.js';
import { DEFAULT_EVICTION_MONITORING_MS } from './pressure/eviction-manager.js';
import { DEFAULT_RUNTIME_RETRY_MAX_MS, DEFAULT_RUNTIME_RETRY_MIN_MS } from './pods/options.js';
import { DEFAULT_PRESSURE_TRANSITION_MS } from './pressure/monitor.js';
import {
  DEFAULT_EVICTION_HARD,
  parseEvictionHard,
  parseEvictionSoft,
  withMinimumReclaim,
  type Threshold,
  ThresholdParseError,
} from './pressure/thresholds.js';
import { type FlagSpecs, flagString, parseFlags } from './flags.js';

export interface AgentConfig {
  /**
   * Broker URLs of the hubs, e.g. [mqtts://hub-a:8883, mqtts://hub-b:8883]: the agent uses the
   * first and moves to the next when its hub cannot be reached (several hubs on one NATS cluster).
   */
  hubUrls: string[];
  /** Node name (DNS-1123 subdomain). */
  nodeName: string;
  /** Where the credential and the last desired state live. */
  dataDir: string;
  /** Bootstrap token `abcdef.0123456789abcdef`; needed only for the first join (or a re-join). */
  token?: string;
  /** Pin of the hub CA, `sha256:<hex>` (kubeadm's discovery-token-ca-cert-hash); for the first TLS contact. */
  caHash?: string;
  /** A CA file to verify the hub with instead of a pinned one. */
  caFile?: string;
  labels: Record<string, string>;
  heartbeatIntervalMs: number;
  statusIntervalMs: number;
  /** How often pods' usage is sampled for the metrics API, ms (metrics-server --metric-resolution). */
  metricsIntervalMs: number;
  dockerSocket: string;
  keepaliveS: number;
  joinTimeoutMs: number;
  /** First crash-loop restart delay, ms; doubles up to 5 min (kubelet: 10 s; tests use 1 s). */
  crashBackoffBaseMs: number;
  /** First retry of a container engine that does not answer, ms; doubles up to 1 min (tests use less). */
  runtimeRetryBaseMs: number;
  /** Image GC thresholds and minimum age (kubelet's flags and defaults: 85 %, 80 %, 2 min). */
  imageGc: ImageGcPolicy;
  /** How often image and container GC runs, ms (kubelet's ImageGCPeriod, 5 min). */
  imageGcPeriodMs: number;
  /**
   * The board's address (kubelet --node-ip): reported as InternalIP, where other boards' proxies
   * reach this one's relay and where NodePorts listen (kube-proxy --nodeport-addresses). Unset:
   * the first non-internal IPv4 is reported and NodePorts listen on every address.
   */
  nodeIp?: string;
  /**
   * Where pods ask for names (kubelet --cluster-dns), served by this agent (agent/dns/); '' when
   * off ('none'). Default the link-local DEFAULT_CLUSTER_DNS where the agent may add addresses
   * (root on Linux), else off.
   */
  clusterDns: string;
  /** The cluster's DNS domain (kubelet --cluster-domain). */
  clusterDomain: string;
  /** Hard eviction thresholds (kubelet's --eviction-hard and defaults). */
  evictionHard: Threshold[];
  /** A pressure condition stays True this long after its thresholds stop being met, ms (kubelet: 5 min). */
  evictionPressureTransitionMs: number;
  /** Soft thresholds with their grace periods and the minimum reclaim (kubelet's flags; none by default). */
  evictionSoft: Threshold[];
  /** How often the eviction manager observes the signals, ms (kubelet: every 10 s). */
  evictionMonitoringMs: number;
  /**
   * A cgroup the pods' containers go under (Docker's --cgroup-parent, e.g. /drover-pods); its
   * memory limit minus working set is then memory.available (the kubelet's allocatable memory
   * on its pods cgroup). '' = the engine's default cgroup, memory from /proc/meminfo.
   */
  podsCgroup: string;
}

export const AGENT_DEFAULTS = {
  dataDir: '/var/lib/drover-agent',
  heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS, // 10 s
  statusIntervalMs: DEFAULT_STATUS_INTERVAL_MS, // 60 s
  metricsIntervalMs: METRICS_INTERVAL_MS, // 15 s, metrics-server's default resolution
  dockerSocket: '/var/run/docker.sock',
  keepaliveS: DEFAULT_MQTT_KEEPALIVE_S, // 30 s
  joinTimeoutMs: 15_000, // 15 s for the hub to answer a join request
  crashBackoffBaseMs: 10_000, // 10 s, kubelet's first CrashLoopBackOff delay
  runtimeRetryBaseMs: DEFAULT_RUNTIME_RETRY_MIN_MS, // 2 s
  imageGcHighThresholdPercent: DEFAULT_IMAGE_GC_POLICY.highThresholdPercent, // 85 % of the image filesystem
  imageGcLowThresholdPercent: DEFAULT_IMAGE_GC_POLICY.lowThresholdPercent, // 80 %
  imageMinimumGcAgeMs: DEFAULT_IMAGE_GC_POLICY.minAgeMs, // 2 min
  imageGcPeriodMs: DEFAULT_IMAGE_GC_PERIOD_MS, // 5 min
  evictionHard: DEFAULT_EVICTION_HARD, // memory 100Mi, nodefs 10%, imagefs 15%, pid 10% available
  evictionPressureTransitionMs: DEFAULT_PRESSURE_TRANSITION_MS, // 5 min
  evictionSoft: '', // none, as the kubelet
  evictionSoftGracePeriod: '',
  evictionMinimumReclaim: '', // 0 for every signal
  evictionMonitoringMs: DEFAULT_EVICTION_MONITORING_MS, // 10 s
  podsCgroup: '', // the engine's default cgroup; memory.available from /proc/meminfo
} as const;

/** Smallest heartbeat interval accepted, ms (tests use 1 s; below 100 ms is a typo). */
const MIN_INTERVAL_MS = 100;

export class AgentConfigError extends Error {
  override name = 'AgentConfigError';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`${option}: ${message}`);
  }
}

export const AGENT_FLAGS: FlagSpecs = {
  hub: { type: 'string', aliases: ['--hub-url', '--mqtt-url'] },
  token: { type: 'string' },
  'ca-hash': { type: 'string' },
  'ca-file': { type: 'string' },
  name: { type: 'string', aliases: ['--node-name'] },
  'data-dir': { type: 'string' },
  labels: { type: 'string' },
  'heartbeat-interval': { type: 'string' },
  'status-interval': { type: 'string' },
  'metrics-interval': { type: 'string' },
  'docker-socket': { type: 'string' },
  'join-timeout': { type: 'string' },
  'crash-backoff-base': { type: 'string' },
  'runtime-retry-base': { type: 'string' },
  'image-gc-high-threshold': { type: 'string' },
  'image-gc-low-threshold': { type: 'string' },
  'image-minimum-gc-age': { type: 'string' },
  'image-gc-period': { type: 'string' },
  'node-ip': { type: 'string' },
  'cluster-dns': { type: 'string' },
  'pods-cgroup': { type: 'string' },
  'cluster-domain': { type: 'string' },
  'eviction-hard': { type: 'string' },
  'eviction-pressure-transition-period': { type: 'string' },
  'eviction-soft': { type: 'string' },
  'eviction-soft-grace-period': { type: 'string' },
  'eviction-minimum-reclaim': { type: 'string' },
  'eviction-monitoring-interval': { type: 'string' },
  config: { type: 'string', aliases: ['-c'] },
  help: { type: 'boolean', aliases: ['-h'] },
};

export const AGENT_USAGE = `Usage: drover agent --hub mqtts://HOST:8883 --token TOKEN --ca-hash sha256:HEX [options]

Options (flag / env / config file key):
  --hub URL[,URL...]        DROVER_HUB        hub     broker URL (mqtts://, or mqtt:// for a plain listener); several
                                                      hubs sharing one cluster: a comma-separated list (a JSON list
                                                      in the file), tried in turn when a hub cannot be reached
  --token TOKEN             DROVER_TOKEN      token   bootstrap token for the first join
  --ca-hash sha256:HEX      DROVER_CA_HASH    caHash  pin of the hub CA for the first TLS contact (then kept in the data dir)
  --ca-file FILE            DROVER_CA_FILE    caFile  trust this CA file instead
  --name NAME               DROVER_NODE_NAME  name    node name (default: hostname, DNS-1123)
  --data-dir DIR            DROVER_DATA_DIR   dataDir credential + desired state (default ${AGENT_DEFAULTS.dataDir})
  --labels a=b,c=d          DROVER_LABELS     labels  board labels (a key without a prefix goes under drover.io/)
  --heartbeat-interval 10s  DROVER_HEARTBEAT_INTERVAL  heartbeatInterval
  --status-interval 60s     DROVER_STATUS_INTERVAL     statusInterval
  --metrics-interval 15s    DROVER_METRICS_INTERVAL    metricsInterval  how often pod usage is sampled (kubectl top, HPA)
  --docker-socket PATH      DROVER_DOCKER_SOCKET       dockerSocket (default ${AGENT_DEFAULTS.dockerSocket})
  --join-timeout 15s        DROVER_JOIN_TIMEOUT        joinTimeout
  --crash-backoff-base 10s  DROVER_CRASH_BACKOFF_BASE  crashBackoffBase  first CrashLoopBackOff delay
  --runtime-retry-base 2s   DROVER_RUNTIME_RETRY_BASE  runtimeRetryBase  first retry of an engine that does not answer
  --image-gc-high-threshold 85  DROVER_IMAGE_GC_HIGH_THRESHOLD  imageGcHighThreshold  percent of the image disk that starts image GC
  --image-gc-low-threshold 80   DROVER_IMAGE_GC_LOW_THRESHOLD   imageGcLowThreshold   percent image GC frees down to
  --image-minimum-gc-age 2m     DROVER_IMAGE_MINIMUM_GC_AGE     imageMinimumGcAge     images younger than this are kept
  --image-gc-period 5m          DROVER_IMAGE_GC_PERIOD          imageGcPeriod         how often image/container GC runs
  --node-ip ADDRESS         DROVER_NODE_IP    nodeIp  this board's IPv4 for other boards and NodePorts (default: every address)
  --cluster-dns 169.254.20.10  DROVER_CLUSTER_DNS  clusterDns  the pods' DNS server, served by the agent ('none': pods keep the board's resolv.conf)
  --cluster-domain cluster.local  DROVER_CLUSTER_DOMAIN  clusterDomain  the Services' DNS domain
  --pods-cgroup /drover-pods    DROVER_PODS_CGROUP    podsCgroup    cgroup for the pods' containers; memory.available is its limit minus use
  --eviction-hard memory.available<100Mi,nodefs.available<10%,imagefs.available<15%,pid.available<10%
                            DROVER_EVICTION_HARD  evictionHard  pressure thresholds (naming any replaces all)
  --eviction-pressure-transition-period 5m  DROVER_EVICTION_PRESSURE_TRANSITION_PERIOD  evictionPressureTransitionPeriod
  --eviction-soft memory.available<1.5Gi  DROVER_EVICTION_SOFT  evictionSoft  soft thresholds (default none)
  --eviction-soft-grace-period memory.available=90s  DROVER_EVICTION_SOFT_GRACE_PERIOD  evictionSoftGracePeriod
                            how long a soft threshold must be met before pods are evicted (one per soft threshold)
  --eviction-minimum-reclaim nodefs.available=500Mi  DROVER_EVICTION_MINIMUM_RECLAIM  evictionMinimumReclaim
                            once met, a threshold stays met until this much more is available (default 0)
  --eviction-monitoring-interval 10s  DROVER_EVICTION_MONITORING_INTERVAL  evictionMonitoringInterval
  --config FILE             DROVER_CONFIG     JSON file with the keys above
`;

/** Raw option values before validation: strings from flags/env, or JSON values from a file. */
type Raw = Partial<Record<keyof typeof KEYS, unknown>>;

// option key -> [flag name, env var]
const KEYS = {
  hub: ['hub', 'DROVER_HUB'],
  token: ['token', 'DROVER_TOKEN'],
  caHash: ['ca-hash', 'DROVER_CA_HASH'],
  caFile: ['ca-file', 'DROVER_CA_FILE'],
  name: ['name', 'DROVER_NODE_NAME'],
  dataDir: ['data-dir', 'DROVER_DATA_DIR'],
  labels: ['labels', 'DROVER_LABELS'],
  heartbeatInterval: ['heartbeat-interval', 'DROVER_HEARTBEAT_INTERVAL'],
  statusInterval: ['status-interval', 'DROVER_STATUS_INTERVAL'],
  metricsInterval: ['metrics-interval', 'DROVER_METRICS_INTERVAL'],
  dockerSocket: ['docker-socket', 'DROVER_DOCKER_SOCKET'],
  joinTimeout: ['join-timeout', 'DROVER_JOIN_TIMEOUT'],
  crashBackoffBase: ['crash-backoff-base', 'DROVER_CRASH_BACKOFF_BASE'],
  runtimeRetryBase: ['runtime-retry-base', 'DROVER_RUNTIME_RETRY_BASE'],
  imageGcHighThreshold: ['image-gc-high-threshold', 'DROVER_IMAGE_GC_HIGH_THRESHOLD'],
  imageGcLowThreshold: ['image-gc-low-threshold', 'DROVER_IMAGE_GC_LOW_THRESHOLD'],
  imageMinimumGcAge: ['image-minimum-gc-age', 'DROVER_IMAGE_MINIMUM_GC_AGE'],
  imageGcPeriod: ['image-gc-period', 'DROVER_IMAGE_GC_PERIOD'],
  nodeIp: ['node-ip', 'DROVER_NODE_IP'],
  clusterDns: ['cluster-dns', 'DROVER_CLUSTER_DNS'],
  podsCgroup: ['pods-cgroup', 'DROVER_PODS_CGROUP'],
  clusterDomain: ['cluster-domain', 'DROVER_CLUSTER_DOMAIN'],
  evictionHard: ['eviction-hard', 'DROVER_EVICTION_HARD'],
  evictionPressureTransitionPeriod: [
    'eviction-pressure-transition-period',
    'DROVER_EVICTION_PRESSURE_TRANSITION_PERIOD',
  ],
  evictionSoft: ['eviction-soft', 'DROVER_EVICTION_SOFT'],
  evictionSoftGracePeriod: ['eviction-soft-grace-period', 'DROVER_EVICTION_SOFT_GRACE_PERIOD'],
  evictionMinimumReclaim: ['eviction-minimum-reclaim', 'DROVER_EVICTION_MINIMUM_RECLAIM'],
  evictionMonitoringInterval: ['eviction-monitoring-interval', 'DROVER_EVICTION_MONITORING_INTERVAL'],
} as const;

/** Builds the config from argv (without the command name), the environment and an optional file. */
export function loadAgentConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const flags = parseFlags(argv, AGENT_FLAGS);
  if (flags.positionals.length > 0)
    throw new AgentConfigError('arguments', `unexpected ${JSON.stringify(flags.positionals[0])}; see --help`);
  const file = flagString(flags, 'config') ?? env.DROVER_CONFIG;
  const raw: Raw = file ? readConfigFile(file) : {};
  for (const [key, [flag, envName]] of Object.entries(KEYS)) {
    const v = flagString(flags, flag) ?? env[envName];
    if (v !== undefined) raw[key as keyof Raw] = v;
  }
  return validateAgentConfig(raw);
}

function readConfigFile(path: string): Raw {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new AgentConfigError('--config', `cannot read ${path}: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new AgentConfigError('--config', `${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new AgentConfigError('--config', `${path} must hold a JSON object`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!(k in KEYS))
      throw new AgentConfigError(
        '--config',
        `unknown key ${JSON.stringify(k)} in ${path}; known: ${Object.keys(KEYS).join(', ')}`,
      );
  return o as Raw;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function isDns1123Subdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

/** Hostname lowercased, invalid characters to '-', trimmed to a valid DNS-1123 subdomain. */
export function sanitizeNodeName(host: string): string {
  const s = host
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/\.{2,}/g, '.')
    .slice(0, 253)
    .replace(/^[^a-z0-9]+/, '')
    .replace(/[^a-z0-9]+$/, '');
  return s || 'node';
}

/** Parses `a=b,c=d` (or takes an object) and checks Kubernetes label syntax. */
export function parseLabels(v: unknown, option = '--labels'): Record<string, string> {
  const out: Record<string, string> = {};
  if (v === undefined || v === '') return out;
  let pairs: [string, unknown][];
  if (typeof v === 'string') {
    pairs = v.split(',').map((p) => {
      const eq = p.indexOf('=');
      if (eq < 0) throw new AgentConfigError(option, `${JSON.stringify(p)} is not key=value; write a=b,c=d`);
      return [p.slice(0, eq).trim(), p.slice(eq + 1).trim()];
    });
  } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) pairs = Object.entries(v);
  else throw new AgentConfigError(option, 'must be a string a=b,c=d or an object of strings');
  for (const [k, val] of pairs) {
    if (typeof val !== 'string') throw new AgentConfigError(option, `value of ${k} must be a string`);
    checkLabelKey(k, option);
    const key = k.includes('/') ? k : `${BOARD_LABEL_PREFIX}${k}`;
    if (!isAgentLabelKey(key))
      throw new AgentConfigError(
        option,
        `a board may not set ${JSON.stringify(k)} (Kubernetes NodeRestriction): use a key without a prefix (it goes under ${BOARD_LABEL_PREFIX}), a topology.kubernetes.io/ or node.kubernetes.io/ label, or label the node with kubectl label`,
      );
    if (val !== '' && (val.length > 63 || !LABEL_NAME.test(val)))
      throw new AgentConfigError(
        option,
        `value ${JSON.stringify(val)} of ${k} must be at most 63 characters of [A-Za-z0-9-_.], starting and ending alphanumeric`,
      );
    out[key] = val;
  }
  return out;
}

function checkLabelKey(k: string, option: string): void {
  const slash = k.lastIndexOf('/');
  const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
  const name = slash >= 0 ? k.slice(slash + 1) : k;
  if (prefix !== undefined && !isDns1123Subdomain(prefix))
    throw new AgentConfigError(
      option,
      `key prefix ${JSON.stringify(prefix)} must be a DNS subdomain (example.com/...)`,
    );
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name))
    throw new AgentConfigError(
      option,
      `key ${JSON.stringify(k)} must be [prefix/]name, name at most 63 characters of [A-Za-z0-9-_.]`,
    );
}

function duration(v: unknown, option: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? parseDurationMs(v) : undefined;
  if (ms === undefined || !Number.isFinite(ms))
    throw new AgentConfigError(option, `${JSON.stringify(v)} is not a duration; write e.g. 500ms, 10s, 2m`);
  if (ms < min) throw new AgentConfigError(option, `${ms} ms is too short; at least ${min} ms`);
  return ms;
}

/** A whole percent 0..100, as the kubelet's int32 threshold flags. */
function percent(v: unknown, option: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n))
    throw new AgentConfigError(option, `${JSON.stringify(v)} is not a whole percent; write e.g. 85`);
  if (n < 0 || n > 100) throw new AgentConfigError(option, `${n} must be between 0 and 100, inclusive`);
  return n;
}

function imageGcPolicy(raw: Raw): ImageGcPolicy {
  const high = percent(
    raw.imageGcHighThreshold,
    '--image-gc-high-threshold',
    AGENT_DEFAULTS.imageGcHighThresholdPercent,
  );
  const low = percent(
    raw.imageGcLowThreshold,
    '--image-gc-low-threshold',
    AGENT_DEFAULTS.imageGcLowThresholdPercent,
  );
  // kubelet's validation: low < high (100 for high turns image GC off).
  if (low >= high)
    throw new AgentConfigError(
      '--image-gc-low-threshold',
      `${low} must be less than --image-gc-high-threshold ${high}`,
    );
  const minAgeMs = duration(
    raw.imageMinimumGcAge,
    '--image-minimum-gc-age',
    AGENT_DEFAULTS.imageMinimumGcAgeMs,
    0,
  );
  return { highThresholdPercent: high, lowThresholdPercent: low, minAgeMs };
}

function evictionHard(v: unknown, reclaim: unknown): Threshold[] {
  const text = optString(v, '--eviction-hard') ?? AGENT_DEFAULTS.evictionHard;
  return thresholdsOf('--eviction-hard', () =>
    withMinimumReclaim(parseEvictionHard(text), minimumReclaim(reclaim)),
  );
}

function evictionSoft(raw: Raw): Threshold[] {
  const soft = optString(raw.evictionSoft, '--eviction-soft') ?? AGENT_DEFAULTS.evictionSoft;
  const grace =
    optString(raw.evictionSoftGracePeriod, '--eviction-soft-grace-period') ??
    AGENT_DEFAULTS.evictionSoftGracePeriod;
  return thresholdsOf('--eviction-soft', () =>
    withMinimumReclaim(
      parseEvictionSoft(soft, grace, parseDurationMs),
      minimumReclaim(raw.evictionMinimumReclaim),
    ),
  );
}

function minimumReclaim(v: unknown): string {
  return optString(v, '--eviction-minimum-reclaim') ?? AGENT_DEFAULTS.evictionMinimumReclaim;
}

/** A threshold flag's parse, its refusal named after the flag. */
function thresholdsOf(flag: string, parse: () => Threshold[]): Threshold[] {
  try {
    return parse();
  } catch (e) {
    if (e instanceof ThresholdParseError) throw new AgentConfigError(flag, e.message);
    throw e;
  }
}

function optString(v: unknown, option: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new AgentConfigError(option, 'must be a string');
  return v;
}

function hubUrlOf(s: string): string {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    throw new AgentConfigError('--hub', `${JSON.stringify(s)} is not a URL; write mqtt://HOST:PORT`);
  }
  if (!['mqtt:', 'mqtts:', 'tcp:', 'tls:', 'ssl:'].includes(url.protocol) || !url.hostname)
    throw new AgentConfigError(
      '--hub',
      `${JSON.stringify(s)} is not an MQTT URL; write mqtt://HOST:PORT (or mqtts:// for TLS)`,
    );
  return s;
}

/** `--hub a,b` or a JSON list in the file: one or more hub URLs, all TLS or all plain (one CA pin covers them). */
export function parseHubUrls(v: unknown): string[] {
  const items =
    typeof v === 'string'
      ? v.split(',').map((x) => x.trim())
      : Array.isArray(v) && v.every((x) => typeof x === 'string')
        ? (v as string[])
        : undefined;
  if (v !== undefined && items === undefined)
    throw new AgentConfigError('--hub', 'must be a URL, a comma-separated list of URLs or a list of strings');
  const urls = (items ?? []).filter((x) => x !== '').map(hubUrlOf);
  if (urls.length === 0)
    throw new AgentConfigError('--hub', 'the hub broker URL is required, e.g. --hub mqtts://hub.local:8883');
  const tls = urls.map(isTlsUrl);
  if (tls.some((t) => t !== tls[0]))
    throw new AgentConfigError(
      '--hub',
      'mix of TLS and plain hub URLs: every hub of one cluster is reached the same way',
    );
  if (new Set(urls).size !== urls.length) throw new AgentConfigError('--hub', 'a hub URL is listed twice');
  return urls;
}

export function validateAgentConfig(raw: Raw): AgentConfig {
  const hubUrls = parseHubUrls(raw.hub);

  const nodeName = optString(raw.name, '--name') ?? sanitizeNodeName(hostname());
  if (!isDns1123Subdomain(nodeName))
    throw new AgentConfigError(
      '--name',
      `${JSON.stringify(nodeName)} is not a valid node name: lowercase letters, digits, '-' and '.', starting and ending alphanumeric, at most 253 characters`,
    );

  const token = optString(raw.token, '--token') || undefined;
  if (token !== undefined && !BOOTSTRAP_TOKEN_RE.test(token))
    throw new AgentConfigError(
      '--token',
      'a bootstrap token looks like abcdef.0123456789abcdef (6 and 16 characters of [a-z0-9]); create one with `drover token create`',
    );

  const caHash = optString(raw.caHash, '--ca-hash') || undefined;
  if (caHash !== undefined && !CA_HASH_RE.test(caHash))
    throw new AgentConfigError(
      '--ca-hash',
      'write sha256: and 64 lowercase hex digits, as `drover token create` prints it',
    );
  const caFile = optString(raw.caFile, '--ca-file') || undefined;

  const dataDir = optString(raw.dataDir, '--data-dir') ?? AGENT_DEFAULTS.dataDir;
  if (dataDir === '') throw new AgentConfigError('--data-dir', 'must not be empty');

  const heartbeatIntervalMs = duration(
    raw.heartbeatInterval,
    '--heartbeat-interval',
    AGENT_DEFAULTS.heartbeatIntervalMs,
    MIN_INTERVAL_MS,
  );
  const statusIntervalMs = duration(
    raw.statusInterval,
    '--status-interval',
    AGENT_DEFAULTS.statusIntervalMs,
    MIN_INTERVAL_MS,
  );
  const joinTimeoutMs = duration(
    raw.joinTimeout,
    '--join-timeout',
    AGENT_DEFAULTS.joinTimeoutMs,
    MIN_INTERVAL_MS,
  );
  const crashBackoffBaseMs = duration(
    raw.crashBackoffBase,
    '--crash-backoff-base',
    AGENT_DEFAULTS.crashBackoffBaseMs,
    MIN_INTERVAL_MS,
  );
  const runtimeRetryBaseMs = duration(
    raw.runtimeRetryBase,
    '--runtime-retry-base',
    AGENT_DEFAULTS.runtimeRetryBaseMs,
    MIN_INTERVAL_MS,
  );
  if (runtimeRetryBaseMs > DEFAULT_RUNTIME_RETRY_MAX_MS)
    throw new AgentConfigError(
      '--runtime-retry-base',
      `${runtimeRetryBaseMs} ms is longer than the ${DEFAULT_RUNTIME_RETRY_MAX_MS} ms the retries grow to`,
    );
  const dockerSocket = optString(raw.dockerSocket, '--docker-socket') ?? AGENT_DEFAULTS.dockerSocket;
  const nodeIp = optString(raw.nodeIp, '--node-ip') || undefined;
  if (nodeIp !== undefined && isIP(nodeIp) !== 4)
    throw new AgentConfigError('--node-ip', `${JSON.stringify(nodeIp)} is not an IPv4 address`);
  const dnsFlag = optString(raw.clusterDns, '--cluster-dns');
  const clusterDns =
    dnsFlag === 'none' ? '' : (dnsFlag ?? (PROXY_DEFAULTS.manageClusterIps ? DEFAULT_CLUSTER_DNS : ''));
  if (clusterDns && isIP(clusterDns) !== 4)
    throw new AgentConfigError(
      '--cluster-dns',
      `${JSON.stringify(clusterDns)} is not an IPv4 address or "none"`,
    );
  const clusterDomain = (optString(raw.clusterDomain, '--cluster-domain') ?? DEFAULT_CLUSTER_DOMAIN)
    .toLowerCase()
    .replace(/\.$/, '');
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(clusterDomain))
    throw new AgentConfigError('--cluster-domain', `${JSON.stringify(clusterDomain)} is not a DNS domain`);

  const podsCgroup = optString(raw.podsCgroup, '--pods-cgroup') ?? AGENT_DEFAULTS.podsCgroup;
  if (podsCgroup && !/^\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(podsCgroup))
    throw new AgentConfigError(
      '--pods-cgroup',
      `${JSON.stringify(podsCgroup)} is not an absolute cgroup path`,
    );

  return {
    clusterDns,
    clusterDomain,
    podsCgroup,
    hubUrls,
    nodeName,
    dataDir,
    token,
    caHash,
    caFile,
    labels: parseLabels(raw.labels),
    heartbeatIntervalMs,
    statusIntervalMs,
    metricsIntervalMs: duration(
      raw.metricsInterval,
      '--metrics-interval',
      AGENT_DEFAULTS.metricsIntervalMs,
      MIN_INTERVAL_MS,
    ),
    dockerSocket,
    keepaliveS: AGENT_DEFAULTS.keepaliveS,
    joinTimeoutMs,
    crashBackoffBaseMs,
    runtimeRetryBaseMs,
    imageGc: imageGcPolicy(raw),
    evictionHard: evictionHard(raw.evictionHard, raw.evictionMinimumReclaim),
    evictionSoft: evictionSoft(raw),
    evictionMonitoringMs: duration(
      raw.evictionMonitoringInterval,
      '--eviction-monitoring-interval',
      AGENT_DEFAULTS.evictionMonitoringMs,
      MIN_INTERVAL_MS,
    ),
    evictionPressureTransitionMs: duration(
      raw.evictionPressureTransitionPeriod,
      '--eviction-pressure-transition-period',
      AGENT_DEFAULTS.evictionPressureTransitionMs,
      0,
    ),
    imageGcPeriodMs: duration(
      raw.imageGcPeriod,
      '--image-gc-period',
      AGENT_DEFAULTS.imageGcPeriodMs,
      MIN_INTERVAL_MS,
    ),
    ...(nodeIp ? { nodeIp } : {}),
  };
}
