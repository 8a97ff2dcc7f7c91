// One hollow node: the agent protocol without containers. Joins with the bootstrap token
// (agent/join.ts, the agent's own code), connects as itself with its last will, reports status,
// heartbeats, takes the retained desired set and reports each pod Running after a delay.
// Reconnects with the agent's Backoff. A 'silent' node stops publishing (connection kept), a
// 'drop' node loses its connection for good (the broker fires its will).

import { randomUUID } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import { Backoff } from '../../agent/backoff.js';
import type { NodeCredential } from '../../agent/credentials.js';
import { isAuthRefusal, JoinRefusedError, joinHub } from '../../agent/join.js';
import type { Pod, PodStatus } from '../../shared/api/types.js';
import { topics } from '../../shared/mqtt/topics.js';
import { MQTT_PROTOCOL_VERSION, NODE_USERNAME_PREFIX } from '../../shared/protocol/constants.js';
import {
  encode,
  type Heartbeat,
  type PodStatusReport,
  parseDesiredState,
  type WillMessage,
} from '../../shared/protocol/messages.js';
import { JOIN_SAMPLE_MAX, type SimCounters } from './counters.js';
import { hollowStatus, runningPodStatus } from './hollow-status.js';
import type { SimOptions } from './options.js';
import type { HollowProfile } from './profile.js';

interface PodState {
  uid: string;
  timer?: NodeJS.Timeout;
  status?: PodStatus;
}

export class HollowNode {
  private client?: MqttClient;
  private cred?: NodeCredential;
  private readonly backoff = new Backoff();
  private readonly bootID = randomUUID();
  private readonly since = new Date().toISOString();
  private timers: NodeJS.Timeout[] = [];
  private readonly pods = new Map<string, PodState>();
  private desiredRevision = -1;
  private seq = 0;
  private stopped = false;
  private failed = false;
  private wasConnected = false;

  constructor(
    private readonly o: SimOptions,
    readonly profile: HollowProfile,
    private readonly c: SimCounters,
  ) {}

  async start(): Promise<void> {
    while (!this.stopped && !this.cred) {
      const t0 = Date.now();
      try {
        this.cred = await joinHub({
          hubUrl: this.o.hubUrl,
          token: this.o.token,
          nodeName: this.profile.name,
          labels: this.profile.labels,
          timeoutMs: this.o.joinTimeoutMs,
        });
        this.c.joined++;
        if (this.c.joinMs.length < JOIN_SAMPLE_MAX) this.c.joinMs.push(Date.now() - t0);
      } catch (e) {
        this.c.joinErrors++;
        this.c.firstError ??= `join ${this.profile.name}: ${(e as Error).message}`;
        if (e instanceof JoinRefusedError) return;
        await this.sleep(this.backoff.next());
      }
    }
    this.backoff.reset();
    if (!this.stopped) this.connectOnce();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(r, ms);
      this.timers.push(t);
    });
  }

  private connectOnce(): void {
    const name = this.profile.name;
    const will: Omit<WillMessage, 'v'> = { reason: 'connection lost' };
    const client = connect(this.o.hubUrl, {
      protocolVersion: MQTT_PROTOCOL_VERSION,
      clientId: `node-${name}`,
      username: this.cred?.username || `${NODE_USERNAME_PREFIX}${name}`,
      password: this.cred?.password,
      clean: true,
      keepalive: this.o.keepaliveS,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      will: { topic: topics.will(name), payload: encode<WillMessage>(will), qos: 1, retain: false },
    });
    this.client = client;
    client.on('connect', () => {
      this.c.connected++;
      this.wasConnected = true;
      this.backoff.reset();
      client.subscribe(topics.desired(name), { qos: 1 });
      this.publishStatus();
      this.startTimers();
    });
    client.on('message', (topic, payload) => {
      if (topic === topics.desired(name)) this.onDesired(payload);
    });
    client.on('error', (e) => {
      this.c.connectErrors++;
      this.c.firstError ??= `connect ${name}: ${isAuthRefusal(e) ? 'credential refused' : e.message}`;
    });
    client.on('close', () => {
      if (this.client !== client) return;
      this.clearTimers();
      client.removeAllListeners();
      client.on('error', () => {});
      client.end(true);
      this.client = undefined;
      if (this.wasConnected) {
        this.c.connected--;
        this.c.disconnects++;
        this.wasConnected = false;
      }
      if (this.stopped || this.failed) return;
      const t = setTimeout(() => !this.stopped && this.connectOnce(), this.backoff.next());
      this.timers.push(t);
    });
  }

  private startTimers(): void {
    this.clearTimers();
    // A random phase, so a fleet started together does not heartbeat in lockstep.
    const first = setTimeout(() => {
      this.heartbeat();
      this.timers.push(setInterval(() => this.heartbeat(), this.o.heartbeatIntervalMs));
    }, Math.random() * this.o.heartbeatIntervalMs);
    this.timers.push(
      first,
      setInterval(() => this.publishStatus(), this.o.statusIntervalMs),
    );
    if (this.profile.failure !== 'none') this.timers.push(setTimeout(() => this.fail(), this.o.failAfterMs));
  }

  private clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  private heartbeat(): void {
    const msg: Omit<Heartbeat, 'v'> = { seq: ++this.seq, time: Date.now() };
    this.client?.publish(topics.lease(this.profile.name), encode<Heartbeat>(msg), { qos: 0 });
    this.c.heartbeatsSent++;
  }

  private publishStatus(): void {
    if (!this.client?.connected) return;
    this.client.publish(
      topics.status(this.profile.name),
      encode(hollowStatus(this.profile, this.bootID, this.since)),
      {
        qos: 1,
      },
    );
    this.c.statusSent++;
  }

  private onDesired(payload: Buffer): void {
    let pods: Pod[];
    try {
      const s = parseDesiredState(payload);
      if (s.revision < this.desiredRevision) return;
      this.desiredRevision = s.revision;
      pods = s.pods;
    } catch (e) {
      this.c.firstError ??= `desired ${this.profile.name}: ${(e as Error).message}`;
      return;
    }
    this.c.desiredReceived++;
    const wanted = new Set<string>();
    for (const pod of pods) {
      const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
      const uid = pod.metadata.uid ?? '';
      wanted.add(key);
      const have = this.pods.get(key);
      if (have && have.uid === uid) continue;
      if (have) this.forget(key, have);
      const st: PodState = { uid };
      st.timer = setTimeout(() => this.reportRunning(pod, st), this.o.podStartDelayMs);
      this.pods.set(key, st);
    }
    for (const [key, st] of this.pods) if (!wanted.has(key)) this.forget(key, st);
  }

  private forget(key: string, st: PodState): void {
    if (st.timer) clearTimeout(st.timer);
    if (st.status) this.c.podsRunning--;
    this.pods.delete(key);
  }

  private reportRunning(pod: Pod, st: PodState): void {
    st.timer = undefined;
    if (this.stopped || this.failed || !this.client) return;
    const status = runningPodStatus(pod, new Date().toISOString(), st.status);
    const report: Omit<PodStatusReport, 'v'> = { uid: st.uid, status };
    const ns = pod.metadata.namespace ?? 'default';
    this.client.publish(
      topics.podStatus(this.profile.name, ns, pod.metadata.name ?? ''),
      encode<PodStatusReport>(report),
      {
        qos: 1,
      },
    );
    if (!st.status) this.c.podsRunning++;
    st.status = status;
  }

  /** The configured failure: stop talking (silent) or lose the connection for good (drop). */
  private fail(): void {
    this.failed = true;
    this.clearTimers();
    if (this.profile.failure === 'silent') {
      this.c.silenced++;
      return;
    }
    this.c.dropped++;
    // An abrupt close, as a board losing power: no DISCONNECT packet, so the broker sends the will.
    this.client?.stream.destroy();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    for (const st of this.pods.values()) if (st.timer) clearTimeout(st.timer);
    const client = this.client;
    if (client) await new Promise<void>((r) => client.end(true, {}, () => r()));
  }
}
