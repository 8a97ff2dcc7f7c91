// One hollow node: the real Agent (agent/agent.ts: join, connect with its will, status,
// heartbeats, desired state, reconnect with backoff, re-join) with simulated parts injected:
// a fixed machine (hollow-machine.ts), pods reported Running after a delay (hollow-pods.ts), the
// credential in memory. So no per-node files, no Docker, and no protocol code of its own.
// A 'silent' node stops publishing (connection kept), a 'drop' node loses its connection for
// good (no DISCONNECT: the broker fires its will).

import { DEFAULT_IMAGE_GC_POLICY } from '../../agent/images/gc-plan.js';
import { DEFAULT_IMAGE_GC_PERIOD_MS } from '../../agent/images/gc.js';
import type { MqttClient } from 'mqtt';
import { Agent } from '../../agent/agent.js';
import type { DialGate } from '../../agent/dial-gate.js';
import { AGENT_DEFAULTS, type AgentConfig } from '../../agent/config.js';
import { memoryCredentialStore } from '../../agent/credentials.js';
import { DesiredStore } from '../../agent/desired.js';
import { memoryCaStore } from '../../agent/hub-ca.js';
import { isAuthRefusal } from '../../agent/join.js';
import type { Logger } from '../../shared/log.js';
import { topics } from '../../shared/mqtt/topics.js';
import { JOIN_SAMPLE_MAX, type SimCounters } from './counters.js';
import { hollowFacts } from './hollow-machine.js';
import { HollowPods } from './hollow-pods.js';
import type { SimOptions } from './options.js';
import type { HollowProfile } from './profile.js';

/** Unused by hollow nodes (no pods crash), but part of the agent's config, ms. */
const CRASH_BACKOFF_BASE_MS = 10_000;

export class HollowNode {
  readonly agent: Agent;
  private readonly leaseTopic: string;
  private readonly statusTopic: string;
  private failTimer?: NodeJS.Timeout;
  private failed = false;
  private stopped = false;

  constructor(
    o: SimOptions,
    readonly profile: HollowProfile,
    private readonly c: SimCounters,
    dialGate?: DialGate,
  ) {
    const name = profile.name;
    this.leaseTopic = topics.lease(name);
    this.statusTopic = topics.status(name);
    // Several hubs (comma-separated): node i starts on hub i mod n, the fleet spread evenly.
    const hubs = o.hubUrl.split(',');
    const first = profile.index % hubs.length;
    const cfg: AgentConfig = {
      hubUrls: [...hubs.slice(first), ...hubs.slice(0, first)],
      nodeName: name,
      dataDir: '', // nothing is written: the credential and desired state stay in memory
      token: o.token,
      labels: profile.labels,
      heartbeatIntervalMs: o.heartbeatIntervalMs,
      statusIntervalMs: o.statusIntervalMs,
      metricsIntervalMs: 15_000, // unused: hollow boards have no runtime to sample
      dockerSocket: '',
      keepaliveS: o.keepaliveS,
      joinTimeoutMs: o.joinTimeoutMs,
      crashBackoffBaseMs: CRASH_BACKOFF_BASE_MS,
      runtimeRetryBaseMs: AGENT_DEFAULTS.runtimeRetryBaseMs, // unused: hollow boards have no runtime
      imageGc: DEFAULT_IMAGE_GC_POLICY, // unused: hollow boards have no runtime
      imageGcPeriodMs: DEFAULT_IMAGE_GC_PERIOD_MS,
      evictionHard: [], // hollow boards report no pressure (their facts have none)
      evictionPressureTransitionMs: 0,
      evictionSoft: [],
      evictionMonitoringMs: 10_000, // unused: no pods to evict
      clusterDns: '', // hollow boards run no pods and serve no DNS
      clusterDomain: 'cluster.local',
      podsCgroup: '',
    };
    this.agent = new Agent(cfg, quietLogger(c, name), {
      facts: hollowFacts(profile),
      pods: (io) =>
        new HollowPods(
          io,
          o.podStartDelayMs,
          c,
          new Set(o.crashNodes.length === 0 || o.crashNodes.includes(name) ? o.crashImages : []),
        ),
      credentials: memoryCredentialStore(),
      ca: memoryCaStore(o.caPem),
      desired: new DesiredStore(),
      ...(dialGate ? { dialGate } : {}),
      onClient: (client) => this.watch(client, o.failAfterMs),
      onJoin: (ms, err) => {
        if (err) {
          c.joinErrors++;
          c.firstError ??= `join ${name}: ${err.message}`;
          return;
        }
        c.joined++;
        if (c.joinMs.length < JOIN_SAMPLE_MAX) c.joinMs.push(ms);
      },
    });
  }

  async start(): Promise<void> {
    try {
      await this.agent.start();
    } catch (e) {
      this.c.firstError ??= `start ${this.profile.name}: ${(e as Error).message}`;
    }
  }

  /** Counts what the agent's client does; listeners are added before the agent's own. */
  private watch(client: MqttClient, failAfterMs: number): void {
    const c = this.c;
    let connected = false;
    if (this.failed) silence(client);
    client.on('connect', () => {
      c.connected++;
      connected = true;
      if (this.profile.failure !== 'none' && !this.failTimer && !this.stopped)
        this.failTimer = setTimeout(() => this.fail(client), failAfterMs);
    });
    client.on('packetsend', (p) => {
      if (p.cmd !== 'publish') return;
      if (p.topic === this.leaseTopic) c.heartbeatsSent++;
      else if (p.topic === this.statusTopic) c.statusSent++;
    });
    client.on('error', (e) => {
      c.connectErrors++;
      c.firstError ??= `connect ${this.profile.name}: ${isAuthRefusal(e) ? 'credential refused' : e.message}`;
    });
    client.on('close', () => {
      if (!connected) return;
      connected = false;
      c.connected--;
      c.disconnects++;
    });
  }

  /** The configured failure: stop talking (silent) or lose the connection for good (drop). */
  private fail(client: MqttClient): void {
    if (this.stopped) return;
    this.failed = true;
    if (this.profile.failure === 'silent') {
      this.c.silenced++;
      silence(client);
      return;
    }
    this.c.dropped++;
    // Once the agent has seen the close (and planned a reconnect), stop it: no goodbye, no return.
    client.once('close', () => void this.agent.stop('dropped'));
    // An abrupt close, as a board losing power: no DISCONNECT packet, so the broker sends the will.
    client.stream.destroy();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.failTimer) clearTimeout(this.failTimer);
    await this.agent.stop('simulator stopped');
  }
}

/** A silent node keeps its connection (mqtt.js still sends keepalive pings) but publishes nothing. */
function silence(client: MqttClient): void {
  client.publish = ((_t: string, _m: string | Buffer, ...rest: unknown[]) => {
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return client;
  }) as MqttClient['publish'];
}

/** Thousands of agents share a process: log nothing, keep the first warning for diagnosis. */
function quietLogger(c: SimCounters, name: string): Logger {
  const note = (msg: string, fields?: Record<string, unknown>) => {
    c.firstError ??= `${name}: ${msg}${fields?.error ? `: ${String(fields.error)}` : ''}`;
  };
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: note,
    error: note,
    child: () => log,
  };
  return log;
}
