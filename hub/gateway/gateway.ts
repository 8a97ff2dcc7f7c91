// The hub side of MQTT: an ordinary mqtt.js client (so the hub works against the embedded
// aedes or an external broker). With the embedded broker the agents' messages are read from
// its routing (`tap`), not through that client: 10,000 boards send 1,000 heartbeats a second,
// and each one was written to the client as a packet, parsed again and handed over a turn of
// the loop later; the client then only publishes. Every payload is validated with the protocol
// parse functions; a bad payload is logged and counted, never fatal. Messages of one node are
// handled in arrival order.

import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { ApiClient } from '../api/client.js';
import { EventRecorder } from '../events/recorder.js';
import type { InformerFactory } from '../informers/factory.js';
import { ReadYourWrites } from '../informers/read-your-writes.js';
import type { Node } from '../../shared/api/types.js';
import type { LeaseTable } from '../leases.js';
import type { Metrics } from '../metrics.js';
import type { HubRelay } from '../relay/relay.js';
import { filters, parseTopic } from '../../shared/mqtt/topics.js';
import { MQTT_PROTOCOL_VERSION, DEFAULT_MQTT_KEEPALIVE_S } from '../../shared/protocol/constants.js';
import {
  parseAgentEvent,
  parseHeartbeat,
  parseJoinRequest,
  parseNodeStatusReport,
  parsePodStatusReport,
  parseMetricsReport,
  parseBundleRequest,
  parseRpcResponse,
  parseWill,
  InvalidUtf8Error,
  ProtocolError,
} from '../../shared/protocol/messages.js';
import type { Logger } from '../../shared/log.js';
import type { TapHandler } from '../broker/broker.js';
import type { UsageHistory } from '../usage/history.js';
import { handleAgentEvent } from './agent-events.js';
import type { GatewayContext, PublishOptions } from './context.js';
import type { AgentBundleSource } from './agent-bundles.js';
import { AgentUpdatePublisher } from './agent-update.js';
import { DesiredPublisher } from './desired.js';
import { ServiceTablePublisher } from './service-table.js';
import { handleJoin } from './join.js';
import { handlePodStatus } from './pod-status.js';
import { RefusalReporter } from './refusals.js';
import { EventRateLimitedError, ReportRefusedError } from './restriction/errors.js';
import { KeyedTokenBucket } from './restriction/rate-limit.js';
import type { UsageStore } from '../metrics-api/usage-store.js';
import { RpcClient } from './rpc.js';
import { KeyedSerial } from './serial.js';
import { handleStatus } from './status.js';

/** How long startGateway waits for the first CONNACK, ms. */
export const GATEWAY_CONNECT_TIMEOUT_MS = 10_000;
/** Reconnect interval after the broker connection drops, ms. */
const RECONNECT_PERIOD_MS = 1000;

export interface GatewayOptions {
  /** Where boards' metrics reports go (the metrics API reads them); none: they are dropped. */
  podUsage?: UsageStore;
  /** The broker's URL (logs; the connection itself when no `stream`). */
  mqttUrl: string;
  /** An in-process connection to the embedded broker, made anew on each (re)connect. */
  stream?: () => Duplex;
  /** The embedded broker's routing (Broker.tap): agents' messages are read from it, not subscribed. */
  tap?: (filter: string, handler: TapHandler) => Promise<() => void>;
  username: string;
  password: string;
  client: ApiClient;
  leases: LeaseTable;
  /** Usage of admitted status reports, kept in memory for the board page. */
  usage?: UsageHistory;
  log: Logger;
  onNodeActivity?: (node: string) => void;
  onNodeWill?: (node: string) => void;
  /** Wait for an agent's first RPC answer (logs), ms. */
  rpcTimeoutMs?: number;
  /** Shared informers of the hub; default: its own. */
  informers?: InformerFactory;
  /** The hub's metrics registry: the gateway adds its heartbeat delay histogram. */
  metrics?: Metrics;
  /** Per-node event token bucket: refill per second and size (EventRateLimit's qps and burst). */
  eventRateLimit: { qps: number; burst: number };
  /** Whether an MQTT client is still connected (embedded broker only): joins of gone clients are dropped. */
  isClientConnected?: (clientId: string) => boolean;
  /**
   * Self-update (agent-update.ts): where the agent bundles are (agent-bundles.ts: a directory, or
   * the cluster's bucket with several hubs) and the hub CA's key that signs each order (agents
   * verify it with the CA they pinned); none: no self-update.
   */
  agentBundles?: { bundles: AgentBundleSource; signingKeyPem: string };
  /** Several hubs on one NATS cluster: RPC requests for boards held by another hub go there, answers come back. */
  relay?: HubRelay;
}

export interface GatewayStats {
  received: number;
  /** Messages whose handling finished (ok or not). */
  handled: number;
  invalid: number;
  failed: number;
  /** Join requests dropped because the joiner had disconnected. */
  joinsDropped: number;
  /** Reports refused whole by the node restriction gate. */
  refused: number;
  /** Agent events dropped by the per-node rate limit. */
  rateLimited: number;
  /** Payloads refused because their bytes are not valid UTF-8 (also counted in `invalid`). */
  invalidUtf8: number;
}

export interface Gateway {
  stats: GatewayStats;
  desired: DesiredPublisher;
  /** Requests to agents (logs). */
  rpc: RpcClient;
  connected(): boolean;
  close(): Promise<void>;
}

const SUBSCRIPTIONS = [
  filters.allJoinRequests,
  filters.allStatus,
  filters.allLeases,
  filters.allWills,
  filters.allPodStatus,
  filters.allEvents,
  filters.allMetrics,
  filters.allRpcResponses,
  filters.allBundleRequests,
];

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const log = opts.log;
  const stats: GatewayStats = {
    received: 0,
    handled: 0,
    invalid: 0,
    failed: 0,
    joinsDropped: 0,
    refused: 0,
    rateLimited: 0,
    invalidUtf8: 0,
  };
  const serial = new KeyedSerial();

  const mqttOptions: IClientOptions = {
    clientId: `drover-hub-${randomBytes(6).toString('hex')}`,
    username: opts.username,
    password: opts.password,
    protocolVersion: MQTT_PROTOCOL_VERSION,
    clean: true,
    keepalive: DEFAULT_MQTT_KEEPALIVE_S,
    reconnectPeriod: RECONNECT_PERIOD_MS,
    connectTimeout: GATEWAY_CONNECT_TIMEOUT_MS,
  };
  const stream = opts.stream;
  const mq: MqttClient = stream
    ? new mqtt.MqttClient(() => stream(), mqttOptions)
    : mqtt.connect(opts.mqttUrl, mqttOptions);
  mq.on('error', (e) => log.warn('mqtt error', { error: e }));
  mq.on('reconnect', () => log.info('mqtt reconnecting'));

  const publish = (topic: string, payload: Buffer, o: PublishOptions) =>
    mq.publishAsync(topic, payload, { qos: o.qos, retain: o.retain ?? false }).then(() => undefined);
  const desired = new DesiredPublisher({
    client: opts.client,
    publish,
    log: log.child('desired'),
    ...(opts.informers ? { informers: opts.informers } : {}),
  });
  const serviceTable = new ServiceTablePublisher({
    client: opts.client,
    publish,
    log: log.child('services'),
    ...(opts.informers ? { informers: opts.informers } : {}),
  });
  const agentUpdates = opts.agentBundles
    ? new AgentUpdatePublisher({
        client: opts.client,
        bundles: opts.agentBundles.bundles,
        signingKeyPem: opts.agentBundles.signingKeyPem,
        publish,
        log: log.child('agent-update'),
        ...(opts.informers ? { informers: opts.informers } : {}),
      })
    : undefined;
  const relay = opts.relay;
  // A request for a board another hub holds goes to that hub (relay.toNode); else to our broker.
  const publishToNode = (topic: string, payload: Buffer, o: PublishOptions) => {
    const t = parseTopic(topic);
    if (relay && t && 'node' in t && relay.toNode(t.node, topic, payload, o.qos)) return Promise.resolve();
    return publish(topic, payload, o);
  };
  const rpc = new RpcClient({
    publish: publishToNode,
    log: log.child('rpc'),
    defaultTimeoutMs: opts.rpcTimeoutMs,
    ...(relay ? { idPrefix: relay.rpcIdPrefix } : {}),
  });
  // The node cache service-table.ts starts; status reports read it (status.ts).
  const nodes = opts.informers ? new ReadYourWrites(opts.informers.informer<Node>('nodes')) : undefined;
  const ctx: GatewayContext = {
    client: opts.client,
    publish,
    leases: opts.leases,
    ...(opts.usage ? { usage: opts.usage } : {}),
    log,
    events: new EventRecorder({ client: opts.client, component: 'drover-gateway', log }),
    onNodeActivity: opts.onNodeActivity ?? (() => {}),
    onNodeWill: opts.onNodeWill ?? (() => {}),
    publishDesired: (node) => desired.publishNode(node),
    heldPod: (namespace, name) => desired.heldPod(namespace, name),
    ...(nodes ? { nodes } : {}),
  };
  // Agent send -> lease recorded, seconds: broker transit plus the node's queue behind its API
  // writes. On real boards it includes their clock skew (the agent stamps its own wall clock).
  const heartbeatDelay = opts.metrics?.histogram(
    'drover_heartbeat_delay_seconds',
    'Time from an agent sending a heartbeat to the hub recording it (includes agent clock skew).',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  );
  // Boards' events are throttled per node by eventLimiter below (its qps and burst are options).
  const agentEvents = new EventRecorder({
    client: opts.client,
    component: 'drover-agent',
    log,
    spamFilter: false,
  });
  const eventLimiter = new KeyedTokenBucket(opts.eventRateLimit.qps, opts.eventRateLimit.burst);
  const refusals = new RefusalReporter(
    ctx.events,
    opts.metrics?.counter(
      'drover_gateway_reports_refused_total',
      'Agent reports refused whole by node restriction, by kind.',
    ),
    log,
  );

  function invalid(topic: string, e: Error): void {
    stats.invalid++;
    if (e instanceof InvalidUtf8Error) {
      stats.invalidUtf8++;
      log.warn('payload refused: not valid UTF-8, nothing stored', { topic, error: e });
    } else log.warn('invalid message', { topic, error: e });
  }

  /** A heartbeat: memory only (the lease table, a histogram, the lifecycle's activity hook). */
  function heartbeat(node: string, payload: Buffer): void {
    const hb = parseHeartbeat(payload);
    opts.leases.recordHeartbeat(node);
    heartbeatDelay?.observe(Math.max(0, Date.now() - hb.time) / 1000);
    ctx.onNodeActivity(node);
  }

  function dispatch(topic: string, payload: Buffer): void {
    stats.received++;
    const t = parseTopic(topic);
    const failed = (key: string, what: string, e: unknown): void | Promise<void> => {
      if (e instanceof ReportRefusedError && t) {
        stats.refused++;
        return refusals.refused('node' in t ? t.node : key, e);
      }
      if (e instanceof EventRateLimitedError) {
        stats.rateLimited++;
        return log.debug('event dropped: rate limit', { node: e.node });
      }
      if (e instanceof ProtocolError) {
        invalid(topic, e);
      } else {
        stats.failed++;
        log.warn(`${what} failed`, { topic, error: e as Error });
      }
    };
    const run = (key: string, what: string, task: () => Promise<void>) =>
      serial
        .run(key, task)
        .catch((e: unknown) => failed(key, what, e))
        .finally(() => stats.handled++);
    if (!t) {
      stats.invalid++;
      log.warn('message on an unknown topic', { topic });
      return;
    }
    switch (t.kind) {
      case 'joinRequest':
        run(`join/${t.clientId}`, 'join', async () => {
          const r = await handleJoin(ctx, t.clientId, parseJoinRequest(payload), opts.isClientConnected);
          if (r === 'dropped') stats.joinsDropped++;
        });
        return;
      case 'status':
        run(t.node, 'status', () => handleStatus(ctx, t.node, parseNodeStatusReport(payload)));
        return;
      case 'lease':
        // Most messages are heartbeats (10,000 boards: 1,000/s). With nothing of its node in
        // the queue (nearly always) one is handled at once, without a task and its promises;
        // behind a queued status or will it waits its turn, so the order stays arrival order.
        if (serial.busy(t.node)) {
          run(t.node, 'heartbeat', async () => heartbeat(t.node, payload));
          return;
        }
        try {
          heartbeat(t.node, payload);
        } catch (e) {
          void failed(t.node, 'heartbeat', e);
        }
        stats.handled++;
        return;
      case 'will':
        run(t.node, 'will', async () => {
          parseWill(payload);
          opts.leases.markDisconnected(t.node);
          rpc.nodeGone(t.node);
          ctx.onNodeWill(t.node);
        });
        return;
      case 'podStatus':
        run(t.node, 'pod status', () =>
          handlePodStatus(ctx, t.node, t.namespace, t.pod, parsePodStatusReport(payload)),
        );
        return;
      case 'rpcResponse':
        // An answer to another hub's call goes back to that hub as it came.
        if (relay?.rpcResponseElsewhere(t.node, t.id, payload)) {
          stats.handled++;
          return;
        }
        // Not serialized behind the node's API writes: chunks are ordered by their seq.
        try {
          rpc.onResponse(t.node, t.id, parseRpcResponse(payload));
        } catch (e) {
          invalid(topic, e as Error);
        }
        stats.handled++;
        return;
      case 'metrics':
        // Which pods a report may speak for is checked where it is read (metrics-api/).
        try {
          opts.podUsage?.set(t.node, parseMetricsReport(payload));
        } catch (e) {
          invalid(topic, e as Error);
        }
        stats.handled++;
        return;
      case 'bundleRequest':
        run(`bundle/${t.node}`, 'bundle request', async () => {
          const req = parseBundleRequest(payload);
          if (!agentUpdates) throw new ProtocolError('this hub serves no agent bundles');
          await agentUpdates.answer(t.node, req);
        });
        return;
      case 'events':
        run(t.node, 'event', () =>
          handleAgentEvent(ctx, agentEvents, eventLimiter, t.node, parseAgentEvent(payload)),
        );
        return;
      default:
        return; // hub->agent topics echoed by a wildcard subscription elsewhere: not ours
    }
  }

  const tap = opts.tap;
  if (!tap) mq.on('message', (topic, payload) => dispatch(topic, payload));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`mqtt: no CONNACK from ${opts.mqttUrl} within ${GATEWAY_CONNECT_TIMEOUT_MS} ms`)),
      GATEWAY_CONNECT_TIMEOUT_MS,
    );
    mq.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  }).catch(async (e: unknown) => {
    await mq.endAsync(true);
    throw e;
  });
  const untaps = tap ? await Promise.all(SUBSCRIPTIONS.map((f) => tap(f, dispatch))) : [];
  if (!tap) await mq.subscribeAsync(SUBSCRIPTIONS, { qos: 1 });
  log.info('gateway connected', { url: opts.mqttUrl });
  await desired.start();
  relay?.bind({
    publish: (topic, payload, qos) => publish(topic, payload, { qos }),
    rpcResponse: (node, id, payload) => {
      try {
        rpc.onResponse(node, id, parseRpcResponse(payload));
      } catch (e) {
        stats.invalid++;
        log.warn('invalid relayed rpc response', { node, error: e as Error });
      }
    },
  });
  await serviceTable.start();
  await agentUpdates?.start();

  return {
    stats,
    desired,
    rpc,
    connected: () => mq.connected,
    async close() {
      for (const untap of untaps) untap();
      desired.stop();
      serviceTable.stop();
      nodes?.close();
      agentUpdates?.stop();
      rpc.close();
      await serial.idle();
      await mq.endAsync();
    },
  };
}
