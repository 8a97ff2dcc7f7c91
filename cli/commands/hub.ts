// `drover hub`: runs the hub in this process until SIGINT/SIGTERM, and says how to use it.
// Hub code is loaded with a dynamic import so that `drover agent` never loads it.

import { resolve } from 'node:path';
import { parseDurationMs } from '../../agent/duration.js';
import { type FlagSpecs, flagBool, flagString, type ParsedFlags, parseFlags } from '../../agent/flags.js';
import { joinCommandLine } from '../../hub/cluster-info.js';
import type { Hub } from '../../hub/hub.js';
import type { HubOptions } from '../../hub/config.js';
import type { LogLevel } from '../../shared/log.js';
import { UsageError } from '../common.js';
import { onParentGone } from '../../shared/parent-link.js';

export const HUB_FLAGS: FlagSpecs = {
  'data-dir': { type: 'string' },
  store: { type: 'string' },
  'store-replicas': { type: 'string' },
  'api-host': { type: 'string' },
  'api-port': { type: 'string' },
  'mqtt-host': { type: 'string' },
  'mqtt-port': { type: 'string' },
  'mqtt-plain-port': { type: 'string' },
  'mqtt-url': { type: 'string' },
  'mqtt-username': { type: 'string' },
  'mqtt-password': { type: 'string' },
  'mqtt-max-connections': { type: 'string' },
  'mqtt-max-connect-packet-bytes': { type: 'string' },
  'mqtt-max-packet-bytes': { type: 'string' },
  'mqtt-connect-timeout': { type: 'string' },
  'mqtt-max-connecting': { type: 'string' },
  'mqtt-max-queued-bytes': { type: 'string' },
  'agent-event-qps': { type: 'string' },
  'agent-event-burst': { type: 'string' },
  'event-ttl': { type: 'string' },
  'node-grace': { type: 'string' },
  'node-startup-grace': { type: 'string' },
  'hpa-sync-period': { type: 'string' },
  'job-backoff-base': { type: 'string' },
  'store-lost-grace': { type: 'string' },
  'store-ping-interval': { type: 'string' },
  'leader-elect-lease-duration': { type: 'string' },
  'leader-elect-renew-deadline': { type: 'string' },
  'leader-elect-retry-period': { type: 'string' },
  'will-debounce': { type: 'string' },
  'heartbeat-interval': { type: 'string' },
  'lease-persist-interval': { type: 'string' },
  'tls-san': { type: 'string' },
  'api-headers-timeout': { type: 'string' },
  'api-max-connections': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'service-cluster-ip-range': { type: 'string' },
  'service-node-port-range': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', aliases: ['-h'] },
};

export const HUB_USAGE = `Usage: drover hub [options]

Options:
  --data-dir DIR               store, kubeconfig, bootstrap token (default ./.drover/hub)
  --store nats://h1:4222,nats://h2:4222
                               keep objects in NATS JetStream KV (several hubs share it);
                               default: SQLite in the data directory (one hub)
  --store-replicas N           JetStream replicas of the store bucket when created: 1, 3 or 5 (default 1)
  --store-lost-grace 10s       with --store nats: cut off from NATS this long, the hub lets its
                               boards go (they move to another hub in their list) until it is back
  --store-ping-interval 3s     with --store nats: how often the hub pings NATS (3 unanswered: link lost)
  --leader-elect-lease-duration 3s   with --store nats: a standby takes over a leader silent this long
  --leader-elect-renew-deadline 2s   the leader stops leading (and exits) when it could not renew
                               for this long; raise both on overloaded hubs (kube-controller-manager:
                               15s, 10s) at the cost of a slower failover
  --leader-elect-retry-period 500ms  how often the leader renews and standbys try
  --api-host HOST              API (HTTPS) listen address (default 0.0.0.0: every interface)
  --api-port PORT              API port (default 8080; 0 = any free port)
  --mqtt-host HOST             embedded broker listen address (default 0.0.0.0)
  --mqtt-port PORT             embedded broker's MQTTS port (default 8883; 0 = any free port)
  --mqtt-plain-port PORT       also listen plain MQTT (unencrypted; e.g. 1883) on --mqtt-host;
                               desired states carrying Secrets are never sent over it
  --mqtt-url URL               use an external broker instead of the embedded one
  --mqtt-username U, --mqtt-password P   gateway credentials for the external broker
  --mqtt-max-connections N     embedded broker connection cap, per listener (refused at accept)
  --mqtt-max-connect-packet-bytes N   largest packet before authentication (default 65536)
  --mqtt-max-packet-bytes N    largest packet from a board (default 1638400)
  --mqtt-connect-timeout 10s   TCP accept to complete CONNECT (TLS handshake included)
  --mqtt-max-connecting N      connections between accept and CONNACK at once (default 256);
                               more are closed at accept and the boards retry after their backoff
  --mqtt-max-queued-bytes N    bytes waiting for one board before it is disconnected (default 16 MiB)
  --agent-event-qps 5          events per second per board (token bucket refill)
  --agent-event-burst 50       events a board may send at once
  --event-ttl 1h               events are deleted this long after their last occurrence
  --node-grace 40s             no heartbeat this long -> node NotReady
  --node-startup-grace D       after a hub start, a node not heard from yet keeps its state this
                               long, and while boards are still coming back (default: the grace + 30 s)
  --hpa-sync-period 15s        how often each HorizontalPodAutoscaler is re-evaluated
  --job-backoff-base 10s       a Job's first delay before a pod replaces a failed one (doubles, to 6 min)
  --will-debounce 500ms        wait after a dropped connection before NotReady
  --heartbeat-interval 10s     agents' heartbeat interval (the grace must exceed it)
  --lease-persist-interval 60s minimum interval between Lease writes per node
  --api-headers-timeout 10s    a client must finish TLS and send its request headers within this
  --api-max-connections N      open API connections at once (default 4096)
  --tls-san NAME,IP,...        extra names/addresses in the serving certificate (every local
                               address and the hostname are always in it)
  --tls-cert FILE --tls-key FILE   serve this certificate on the API (MQTTS keeps the hub-CA one boards pin)
  --service-cluster-ip-range CIDR  where Services get ClusterIPs (default 10.96.0.0/12)
  --service-node-port-range A-B    where NodePorts come from (default 30000-32767)
  --log-level info             debug | info | warn | error
`;

function int(f: ParsedFlags, name: string): number | undefined {
  const v = flagString(f, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v))
    throw new UsageError(`--${name} must be a whole number, not ${JSON.stringify(v)}`, HUB_USAGE);
  return Number(v);
}

function dur(f: ParsedFlags, name: string): number | undefined {
  const v = flagString(f, name);
  if (v === undefined) return undefined;
  const ms = parseDurationMs(v);
  if (ms === undefined)
    throw new UsageError(
      `--${name} must be a duration such as 500ms, 3s, 1m, not ${JSON.stringify(v)}`,
      HUB_USAGE,
    );
  return ms;
}

function num(f: ParsedFlags, name: string): number | undefined {
  const v = flagString(f, name);
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v))
    throw new UsageError(`--${name} must be a number, not ${JSON.stringify(v)}`, HUB_USAGE);
  return Number(v);
}

/** Hub options from `drover hub` (and `drover up`) flags; unset flags are left to the hub's defaults. */
export function hubOptionsFromFlags(f: ParsedFlags): HubOptions {
  return {
    dataDir: flagString(f, 'data-dir'),
    store: flagString(f, 'store'),
    storeReplicas: int(f, 'store-replicas'),
    apiHost: flagString(f, 'api-host'),
    apiPort: int(f, 'api-port'),
    mqttHost: flagString(f, 'mqtt-host'),
    mqttPort: int(f, 'mqtt-port'),
    mqttPlainPort: int(f, 'mqtt-plain-port'),
    mqttUrl: flagString(f, 'mqtt-url'),
    mqttUsername: flagString(f, 'mqtt-username'),
    mqttPassword: flagString(f, 'mqtt-password'),
    mqttMaxConnections: int(f, 'mqtt-max-connections'),
    mqttMaxConnectPacketBytes: int(f, 'mqtt-max-connect-packet-bytes'),
    mqttMaxPacketBytes: int(f, 'mqtt-max-packet-bytes'),
    mqttConnectTimeoutMs: dur(f, 'mqtt-connect-timeout'),
    mqttMaxConnecting: int(f, 'mqtt-max-connecting'),
    mqttMaxQueuedBytes: int(f, 'mqtt-max-queued-bytes'),
    agentEventQps: num(f, 'agent-event-qps'),
    agentEventBurst: int(f, 'agent-event-burst'),
    eventTtlMs: dur(f, 'event-ttl'),
    nodeGraceMs: dur(f, 'node-grace'),
    nodeStartupGraceMs: dur(f, 'node-startup-grace'),
    hpaSyncPeriodMs: dur(f, 'hpa-sync-period'),
    jobBackoffBaseMs: dur(f, 'job-backoff-base'),
    storeLostGraceMs: dur(f, 'store-lost-grace'),
    storePingIntervalMs: dur(f, 'store-ping-interval'),
    leaderLeaseDurationMs: dur(f, 'leader-elect-lease-duration'),
    leaderRenewDeadlineMs: dur(f, 'leader-elect-renew-deadline'),
    leaderRetryPeriodMs: dur(f, 'leader-elect-retry-period'),
    willDebounceMs: dur(f, 'will-debounce'),
    heartbeatIntervalMs: dur(f, 'heartbeat-interval'),
    leasePersistIntervalMs: dur(f, 'lease-persist-interval'),
    tlsSans: flagString(f, 'tls-san')
      ?.split(',')
      .map((n) => n.trim())
      .filter(Boolean),
    apiHeadersTimeoutMs: dur(f, 'api-headers-timeout'),
    apiMaxConnections: int(f, 'api-max-connections'),
    tlsCertFile: flagString(f, 'tls-cert'),
    tlsKeyFile: flagString(f, 'tls-key'),
    serviceClusterIpRange: flagString(f, 'service-cluster-ip-range'),
    serviceNodePortRange: flagString(f, 'service-node-port-range'),
    logLevel: flagString(f, 'log-level') as LogLevel | undefined,
  };
}

export function connectHelp(hub: Hub, nodeName = '<name>'): string {
  const kubeconfig = resolve(hub.config.dataDir, 'kubeconfig');
  return `Drover hub is running.
  API:         ${hub.apiUrl}
  MQTT:        ${hub.mqttUrl}
  kubeconfig:  ${kubeconfig}
  dashboard:   ${hub.apiUrl}/ui/

Use it:
  kubectl --kubeconfig ${kubeconfig} get nodes
  drover get nodes --kubeconfig ${kubeconfig}

Join a board (bootstrap token ${hub.bootstrapToken}, valid 24 h; more with \`drover token create\`):
  ${joinCommandLine({ mqttUrl: hub.boardMqttUrl, token: hub.bootstrapToken, caHash: hub.caHash, nodeName })}
`;
}

/** Resolves on the first SIGINT or SIGTERM, or as SIGTERM when the parent that started this process with an IPC channel is gone. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      offParent();
      resolve(s);
    };
    const offParent = onParentGone(() => on('SIGTERM'));
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export async function hubCommand(argv: string[]): Promise<number> {
  const f = parseFlags(argv, HUB_FLAGS);
  if (flagBool(f, 'help')) {
    process.stdout.write(HUB_USAGE);
    return 0;
  }
  if (f.positionals.length)
    throw new UsageError(`unexpected argument ${JSON.stringify(f.positionals[0])}`, HUB_USAGE);
  const opts = hubOptionsFromFlags(f);
  const signal = untilSignal();
  const { startHub } = await import('../../hub/hub.js');
  (await import('../../hub/process-tuning.js')).tuneHubHeap();
  (await import('../../hub/heap-give-back.js')).startHeapGiveBack();
  const hub = await startHub(opts);
  process.stdout.write(connectHelp(hub));
  const s = await signal;
  process.stderr.write(`drover hub: ${s} received, stopping\n`);
  await hub.stop();
  return 0;
}
