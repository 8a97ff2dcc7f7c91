// Hub options: every default (with its unit) and every validation rule in one place.
// resolveHubConfig() turns partial options (flags, tests) into a complete, checked HubConfig
// or throws the typed error naming the bad option.

import type { LogLevel } from '../shared/log.js';
import {
  DEFAULT_API_PORT,
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  DEFAULT_MQTT_TLS_PORT,
  DEFAULT_NODE_GRACE_MS,
  DEFAULT_WILL_DEBOUNCE_MS,
} from '../shared/protocol/constants.js';
import { DEFAULT_MAX_CONNECTIONS } from './broker/broker.js';
import { DEFAULT_BROKER_LIMITS, MIN_BROKER_LIMITS } from './broker/limits.js';
import {
  DEFAULT_HEADERS_TIMEOUT_MS,
  DEFAULT_MAX_CONNECTIONS as DEFAULT_API_MAX_CONNECTIONS,
} from './api/options.js';
import { DEFAULT_HPA_SYNC_PERIOD_MS } from './controllers/hpa/controller.js';
import { JOB_BACKOFF_BASE_MS } from './controllers/job/plan.js';
import { DEFAULT_EVENT_TTL_MS } from './events/ttl.js';
import { DEFAULT_AUDIT_MAX_BYTES, DEFAULT_AUDIT_MAX_FILES } from './audit/log.js';
import { DEFAULT_RPC_TIMEOUT_MS } from './gateway/rpc.js';
import {
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
} from './leader/elector.js';
import { DEFAULT_LEASE_PERSIST_INTERVAL_MS } from './leases.js';
import {
  DEFAULT_NODE_PORT_RANGE,
  DEFAULT_SERVICE_CIDR,
  parseServiceRanges,
  ServiceRangeError,
} from './api/allocation/ranges.js';
import { DEFAULT_PING_INTERVAL_MS } from './store/jetstream-options.js';
import { natsServers } from './store/open.js';
import { DEFAULT_USAGE_HISTORY_SAMPLES } from './usage/history.js';

export interface HubConfig {
  /** Directory for store.db, pki/, kubeconfig, bootstrap-token, endpoints.json. */
  dataDir: string;
  /** Store backend: unset = SQLite in dataDir; `nats://h1:4222,nats://h2:4222` = JetStream KV. */
  store?: string;
  /** JetStream replicas of the store bucket when this hub creates it (1, 3 or 5). */
  storeReplicas: number;
  /** API listen address (HTTPS); every interface by default. */
  apiHost: string;
  /** 0 = any free port. */
  apiPort: number;
  /** Embedded broker listen address (ignored with mqttUrl). */
  mqttHost: string;
  /** Embedded broker's MQTTS port. 0 = any free port. */
  mqttPort: number;
  /** An extra plain-TCP MQTT listener (bench, legacy boards); absent = none. 0 = any free port. */
  mqttPlainPort?: number;
  /** External broker (mqtt://host:port): no embedded broker is started. */
  mqttUrl?: string;
  /** Gateway credentials for an external broker (the embedded one uses a per-start secret). */
  mqttUsername?: string;
  mqttPassword?: string;
  /** Embedded broker connection cap, per listener. */
  mqttMaxConnections: number;
  /** Embedded broker: largest packet before authentication (a CONNECT), bytes. */
  mqttMaxConnectPacketBytes: number;
  /** Embedded broker: largest packet from an authenticated board, bytes. */
  mqttMaxPacketBytes: number;
  /** Embedded broker: TCP accept to complete CONNECT (TLS handshake included), ms. */
  mqttConnectTimeoutMs: number;
  /** Embedded broker: bytes queued towards one board before it is disconnected. */
  mqttMaxQueuedBytes: number;
  /** Embedded broker: connections between accept and CONNACK at once; more are closed at accept (shed). */
  mqttMaxConnecting: number;
  /** No heartbeat for this long -> node Ready=Unknown, ms. */
  nodeGraceMs: number;
  /**
   * After a hub start, a node not heard from yet keeps its state this long (longer while boards
   * are still coming back), ms. Default (undefined): nodeGraceMs + the agents' longest reconnect wait (30 s).
   */
  nodeStartupGraceMs?: number;
  /** How often each HPA is re-evaluated, ms (--horizontal-pod-autoscaler-sync-period). */
  hpaSyncPeriodMs: number;
  /** A Job's first delay before a pod replaces a failed one (doubling to 6 min), ms. */
  jobBackoffBaseMs: number;
  /** NATS store only: without the store this long, the hub lets its boards go to other hubs, ms. */
  storeLostGraceMs: number;
  /** NATS store only: how often the hub pings NATS; 3 unanswered pings and the link counts as lost, ms. */
  storePingIntervalMs: number;
  /** Several hubs: a leader record unchanged this long may be taken over, ms (--leader-elect-lease-duration). */
  leaderLeaseDurationMs: number;
  /** Several hubs: the leader stops leading when it could not renew for this long, ms (< the lease). */
  leaderRenewDeadlineMs: number;
  /** Several hubs: how often the leader renews and candidates try, ms (< the renew deadline). */
  leaderRetryPeriodMs: number;
  /** Wait after a last will before marking the node, ms. */
  willDebounceMs: number;
  /** How often agents are expected to heartbeat, ms (the grace must exceed it). */
  heartbeatIntervalMs: number;
  /** Minimum interval between Lease object writes per node, ms. */
  leasePersistIntervalMs: number;
  /** Wait for an agent's first answer to a request (pod logs), ms. */
  rpcTimeoutMs: number;
  /** Events each node may send, per second (token bucket refill; EventRateLimit's qps). */
  agentEventQps: number;
  /** Events a node may send at once (token bucket size; EventRateLimit's burst). */
  agentEventBurst: number;
  /** Events are deleted this long after their last occurrence, ms (kube-apiserver --event-ttl). */
  eventTtlMs: number;
  /** Usage samples kept in memory per board for the dashboard, count (one per status report). */
  usageHistorySamples: number;
  /** Extra names and IPs in the serving certificate (--tls-san), beside every local address and the hostname. */
  tlsSans: string[];
  /** An operator's own serving certificate and key (PEM files), used instead of one from the hub CA. */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** How often the serving certificate's expiry is checked, ms. */
  tlsRenewCheckIntervalMs: number;
  /** A client has this long to finish its TLS handshake and send a request's headers, ms (slow-loris bound). */
  apiHeadersTimeoutMs: number;
  /** Open API connections at once; more are closed at accept. */
  apiMaxConnections: number;
  /** The audit log (<dataDir>/audit.log) rotates past this size, bytes. */
  auditLogMaxBytes: number;
  /** Rotated audit logs kept. */
  auditLogMaxFiles: number;
  /** Where Services get ClusterIPs (kube-apiserver --service-cluster-ip-range), IPv4 CIDR. */
  serviceClusterIpRange: string;
  /** Where NodePorts come from, inclusive (kube-apiserver --service-node-port-range). */
  serviceNodePortRange: string;
  logLevel: LogLevel;
}

export const HUB_DEFAULTS: HubConfig = {
  dataDir: './.drover/hub',
  storeReplicas: 1, // servers
  apiHost: '0.0.0.0',
  apiPort: DEFAULT_API_PORT, // 8080
  mqttHost: '0.0.0.0',
  mqttPort: DEFAULT_MQTT_TLS_PORT, // 8883, MQTTS
  mqttMaxConnections: DEFAULT_MAX_CONNECTIONS, // 19000
  mqttMaxConnectPacketBytes: DEFAULT_BROKER_LIMITS.maxConnectPacketBytes, // 64 KiB
  mqttMaxPacketBytes: DEFAULT_BROKER_LIMITS.maxPacketBytes, // 1.5 MiB + 64 KiB
  mqttConnectTimeoutMs: DEFAULT_BROKER_LIMITS.connectTimeoutMs, // 10 s
  mqttMaxQueuedBytes: DEFAULT_BROKER_LIMITS.maxQueuedBytes, // 16 MiB
  mqttMaxConnecting: DEFAULT_BROKER_LIMITS.maxConnecting, // 256 connections
  nodeGraceMs: DEFAULT_NODE_GRACE_MS, // 40 s
  hpaSyncPeriodMs: DEFAULT_HPA_SYNC_PERIOD_MS, // 15 s
  jobBackoffBaseMs: JOB_BACKOFF_BASE_MS, // 10 s, upstream's DefaultJobPodFailureBackOff
  storeLostGraceMs: 10_000, // 10 s: well inside the node grace, longer than a NATS blip
  storePingIntervalMs: DEFAULT_PING_INTERVAL_MS, // 3 s: a silent partition is found in ~9-12 s
  leaderLeaseDurationMs: DEFAULT_LEASE_DURATION_MS, // 3 s: a standby leads within ~3.5 s of a kill
  leaderRenewDeadlineMs: DEFAULT_RENEW_DEADLINE_MS, // 2 s
  leaderRetryPeriodMs: DEFAULT_RETRY_PERIOD_MS, // 500 ms
  willDebounceMs: DEFAULT_WILL_DEBOUNCE_MS, // 500 ms
  heartbeatIntervalMs: DEFAULT_HEARTBEAT_INTERVAL_MS, // 10 s
  leasePersistIntervalMs: DEFAULT_LEASE_PERSIST_INTERVAL_MS, // 60 s
  rpcTimeoutMs: DEFAULT_RPC_TIMEOUT_MS, // 10 s
  agentEventQps: 5, // events/s per node
  agentEventBurst: 50, // events per node at once
  eventTtlMs: DEFAULT_EVENT_TTL_MS, // 1 h
  usageHistorySamples: DEFAULT_USAGE_HISTORY_SAMPLES, // 60 samples: 1 h at the 60 s status interval
  tlsSans: [],
  tlsRenewCheckIntervalMs: 3_600_000, // 1 h
  apiHeadersTimeoutMs: DEFAULT_HEADERS_TIMEOUT_MS, // 10 s
  apiMaxConnections: DEFAULT_API_MAX_CONNECTIONS, // 4096
  auditLogMaxBytes: DEFAULT_AUDIT_MAX_BYTES, // 10 MiB
  auditLogMaxFiles: DEFAULT_AUDIT_MAX_FILES, // 5
  serviceClusterIpRange: DEFAULT_SERVICE_CIDR, // 10.96.0.0/12
  serviceNodePortRange: DEFAULT_NODE_PORT_RANGE, // 30000-32767
  logLevel: 'info',
};

export type HubOptions = Partial<HubConfig>;

/** A hub option has a value it cannot run with; `option` names it. */
export class InvalidHubOptionError extends Error {
  override name = 'InvalidHubOptionError';
  constructor(
    readonly option: keyof HubConfig,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`invalid hub option ${option}=${JSON.stringify(value)}: ${reason}`);
  }
}

const LOG_LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error'];

function port(cfg: HubConfig, k: 'apiPort' | 'mqttPort' | 'mqttPlainPort'): void {
  const v = cfg[k];
  if (k === 'mqttPlainPort' && v === undefined) return;
  if (v === undefined || !Number.isInteger(v) || v < 0 || v > 65535)
    throw new InvalidHubOptionError(k, v, 'must be an integer 0-65535 (0 = any free port)');
}

function duration(
  cfg: HubConfig,
  k:
    | 'nodeGraceMs'
    | 'nodeStartupGraceMs'
    | 'hpaSyncPeriodMs'
    | 'jobBackoffBaseMs'
    | 'storeLostGraceMs'
    | 'storePingIntervalMs'
    | 'leaderLeaseDurationMs'
    | 'leaderRenewDeadlineMs'
    | 'leaderRetryPeriodMs'
    | 'willDebounceMs'
    | 'heartbeatIntervalMs'
    | 'leasePersistIntervalMs'
    | 'rpcTimeoutMs'
    | 'eventTtlMs'
    | 'tlsRenewCheckIntervalMs'
    | 'apiHeadersTimeoutMs',
  min: number,
): void {
  const v = cfg[k];
  if (v === undefined || !Number.isFinite(v) || v < min)
    throw new InvalidHubOptionError(k, v, `must be a number of milliseconds >= ${min}`);
}

export function resolveHubConfig(opts: HubOptions = {}): HubConfig {
  const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  const cfg: HubConfig = { ...HUB_DEFAULTS, ...defined };
  if (typeof cfg.dataDir !== 'string' || cfg.dataDir === '')
    throw new InvalidHubOptionError('dataDir', cfg.dataDir, 'must be a directory path');
  const servers = natsServers(cfg.store);
  if (servers && (servers.length === 0 || !servers.every((s) => /^(nats|tls):\/\/[^\s/,]+$/.test(s))))
    throw new InvalidHubOptionError(
      'store',
      cfg.store,
      'must be comma-separated URLs such as nats://h1:4222',
    );
  if (![1, 3, 5].includes(cfg.storeReplicas))
    throw new InvalidHubOptionError('storeReplicas', cfg.storeReplicas, 'must be 1, 3 or 5');
  if (!cfg.apiHost) throw new InvalidHubOptionError('apiHost', cfg.apiHost, 'must be a host name or address');
  if (!cfg.mqttHost)
    throw new InvalidHubOptionError('mqttHost', cfg.mqttHost, 'must be a host name or address');
  port(cfg, 'apiPort');
  port(cfg, 'mqttPort');
  port(cfg, 'mqttPlainPort');
  if (cfg.mqttUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(cfg.mqttUrl);
    } catch {
      throw new InvalidHubOptionError('mqttUrl', cfg.mqttUrl, 'must be a URL such as mqtt://host:1883');
    }
    if (!['mqtt:', 'mqtts:', 'tcp:', 'tls:'].includes(u.protocol))
      throw new InvalidHubOptionError('mqttUrl', cfg.mqttUrl, 'scheme must be mqtt, mqtts, tcp or tls');
  }
  if (!Number.isInteger(cfg.mqttMaxConnections) || cfg.mqttMaxConnections < 1)
    throw new InvalidHubOptionError('mqttMaxConnections', cfg.mqttMaxConnections, 'must be an integer >= 1');
  const brokerLimits: [keyof HubConfig, number, string][] = [
    ['mqttMaxConnectPacketBytes', MIN_BROKER_LIMITS.maxConnectPacketBytes, 'bytes'],
    ['mqttMaxPacketBytes', MIN_BROKER_LIMITS.maxPacketBytes, 'bytes (the largest agent report must fit)'],
    ['mqttConnectTimeoutMs', MIN_BROKER_LIMITS.connectTimeoutMs, 'milliseconds'],
    ['mqttMaxQueuedBytes', MIN_BROKER_LIMITS.maxQueuedBytes, 'bytes'],
    ['mqttMaxConnecting', MIN_BROKER_LIMITS.maxConnecting, 'connections'],
  ];
  for (const [k, min, unit] of brokerLimits) {
    const v = cfg[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw new InvalidHubOptionError(k, v, `must be an integer number of ${unit} >= ${min}`);
  }
  duration(cfg, 'heartbeatIntervalMs', 1);
  duration(cfg, 'nodeGraceMs', 1);
  if (cfg.nodeStartupGraceMs !== undefined) duration(cfg, 'nodeStartupGraceMs', 1);
  duration(cfg, 'hpaSyncPeriodMs', 100);
  duration(cfg, 'jobBackoffBaseMs', 1);
  duration(cfg, 'storeLostGraceMs', 0);
  duration(cfg, 'storePingIntervalMs', 100);
  duration(cfg, 'leaderRetryPeriodMs', 1);
  duration(cfg, 'leaderRenewDeadlineMs', 1);
  duration(cfg, 'leaderLeaseDurationMs', 1);
  // client-go's rule: a leader gives up before any candidate may take over, and renews in time.
  if (cfg.leaderRenewDeadlineMs >= cfg.leaderLeaseDurationMs)
    throw new InvalidHubOptionError(
      'leaderRenewDeadlineMs',
      cfg.leaderRenewDeadlineMs,
      `must be less than the leader lease duration (${cfg.leaderLeaseDurationMs} ms)`,
    );
  if (cfg.leaderRetryPeriodMs >= cfg.leaderRenewDeadlineMs)
    throw new InvalidHubOptionError(
      'leaderRetryPeriodMs',
      cfg.leaderRetryPeriodMs,
      `must be less than the leader renew deadline (${cfg.leaderRenewDeadlineMs} ms)`,
    );
  duration(cfg, 'willDebounceMs', 0);
  duration(cfg, 'leasePersistIntervalMs', 0);
  duration(cfg, 'rpcTimeoutMs', 1);
  duration(cfg, 'eventTtlMs', 1000);
  if (
    !Number.isInteger(cfg.usageHistorySamples) ||
    cfg.usageHistorySamples < 1 ||
    cfg.usageHistorySamples > 10_000
  )
    throw new InvalidHubOptionError(
      'usageHistorySamples',
      cfg.usageHistorySamples,
      'must be an integer number of samples 1-10000',
    );
  if (!Number.isFinite(cfg.agentEventQps) || cfg.agentEventQps <= 0)
    throw new InvalidHubOptionError(
      'agentEventQps',
      cfg.agentEventQps,
      'must be a number of events per second > 0',
    );
  if (!Number.isInteger(cfg.agentEventBurst) || cfg.agentEventBurst < 1)
    throw new InvalidHubOptionError(
      'agentEventBurst',
      cfg.agentEventBurst,
      'must be an integer number of events >= 1',
    );
  duration(cfg, 'tlsRenewCheckIntervalMs', 1000);
  duration(cfg, 'apiHeadersTimeoutMs', 100);
  if (!Number.isInteger(cfg.auditLogMaxBytes) || cfg.auditLogMaxBytes < 1024)
    throw new InvalidHubOptionError(
      'auditLogMaxBytes',
      cfg.auditLogMaxBytes,
      'must be an integer number of bytes >= 1024',
    );
  if (!Number.isInteger(cfg.auditLogMaxFiles) || cfg.auditLogMaxFiles < 1)
    throw new InvalidHubOptionError('auditLogMaxFiles', cfg.auditLogMaxFiles, 'must be an integer >= 1');
  if (!Number.isInteger(cfg.apiMaxConnections) || cfg.apiMaxConnections < 1)
    throw new InvalidHubOptionError('apiMaxConnections', cfg.apiMaxConnections, 'must be an integer >= 1');
  if (
    !Array.isArray(cfg.tlsSans) ||
    cfg.tlsSans.some((n) => typeof n !== 'string' || n === '' || /[\s,]/.test(n))
  )
    throw new InvalidHubOptionError('tlsSans', cfg.tlsSans, 'must be DNS names or IP addresses');
  if ((cfg.tlsCertFile === undefined) !== (cfg.tlsKeyFile === undefined))
    throw new InvalidHubOptionError(
      cfg.tlsCertFile === undefined ? 'tlsCertFile' : 'tlsKeyFile',
      undefined,
      'tlsCertFile and tlsKeyFile go together',
    );
  if (cfg.nodeGraceMs <= cfg.heartbeatIntervalMs)
    throw new InvalidHubOptionError(
      'nodeGraceMs',
      cfg.nodeGraceMs,
      `must exceed heartbeatIntervalMs (${cfg.heartbeatIntervalMs} ms)`,
    );
  const ranges: [keyof HubConfig, () => unknown][] = [
    ['serviceClusterIpRange', () => parseServiceRanges(cfg.serviceClusterIpRange)],
    ['serviceNodePortRange', () => parseServiceRanges(undefined, cfg.serviceNodePortRange)],
  ];
  for (const [k, parse] of ranges)
    try {
      parse();
    } catch (e) {
      if (e instanceof ServiceRangeError) throw new InvalidHubOptionError(k, cfg[k], e.message);
      throw e;
    }
  if (!LOG_LEVELS.includes(cfg.logLevel))
    throw new InvalidHubOptionError('logLevel', cfg.logLevel, `must be one of ${LOG_LEVELS.join(', ')}`);
  return cfg;
}
