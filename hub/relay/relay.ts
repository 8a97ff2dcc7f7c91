// Hubs sharing one NATS cluster (several active hubs, #8) tell each other what their boards do
// over NATS core subjects (subjects.ts), never through the store:
// - presence: each hub batches the boards it heard from and the last wills it got, once per
//   flush interval, to every hub; each hub feeds them into its own lease table, so the leader's
//   node lifecycle sees every board's heartbeats (and a standby that takes over already has them);
// - routing: a message for a board (an RPC request) that another hub holds goes to that hub,
//   which publishes it on its broker; an RPC answer for a call another hub made (the id names it)
//   goes back to that hub;
// - kick: the leader's "drop this board" (credential revoked) reaches the hub holding it.
// Desired state needs no routing: every hub publishes every node's set on its own broker
// (retained), so a board that fails over finds its set waiting.

import { randomBytes } from 'node:crypto';
import type { NatsConnection, Subscription } from 'nats';
import type { NodeCondition } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';
import {
  encodeRelay,
  type HubMessage,
  type PresenceBatch,
  parseHubMessage,
  parseKick,
  parsePresenceBatch,
} from './messages.js';
import { Presence } from './presence.js';
import { HUB_ID_RE, subjects } from './subjects.js';

/** How often a hub sends its presence notes, ms: a board's heartbeat reaches the leader at most this much later. */
export const DEFAULT_PRESENCE_FLUSH_MS = 1_000;
/** A hub whose presence batches (sent every flush, empty or not) stop for this long is dead, ms. */
export const DEFAULT_HUB_DEAD_AFTER_MS = 5_000;

/** What the relay does on this hub with what other hubs tell it. */
export interface RelayHooks {
  /** Another hub heard from node (at receipt time). */
  remoteSeen(node: string, ready: NodeCondition | undefined): void;
  /** node's connection to the hub holding it dropped. */
  remoteWill(node: string): void;
  /** The hub holding these boards stopped reporting (dead): they are on their way to another hub. */
  remoteHubLost(hub: string, nodes: string[]): void;
  /** The Ready condition node last reported to this hub (sent with its presence when it changed). */
  reportedReady(node: string): NodeCondition | undefined;
  /** Whether node is connected to this hub's broker. */
  isLocal(node: string): boolean;
  /** Drop node's connection to this hub's broker, if it has one. */
  disconnectLocal(node: string): void;
}

/** Set once the gateway runs: how a routed message reaches this hub's broker and RPC client. */
export interface RelayLocalPort {
  publish(topic: string, payload: Buffer, qos: 0 | 1): Promise<void>;
  rpcResponse(node: string, id: string, payload: Buffer): void;
}

export interface HubRelayOptions {
  nc: NatsConnection;
  hooks: RelayHooks;
  log: Logger;
  flushIntervalMs?: number;
  /** No batch from a hub for this long: it is dead, ms. Default DEFAULT_HUB_DEAD_AFTER_MS. */
  hubDeadAfterMs?: number;
  /** Default: random. */
  hubId?: string;
}

export class HubRelay {
  readonly hubId: string;
  private readonly presence: Presence;
  private readonly subs: Subscription[] = [];
  private timer?: NodeJS.Timeout;
  private local?: RelayLocalPort;
  /** Messages refused by validation, since start. */
  invalid = 0;
  /** Messages sent to another hub for a board it holds, since start. */
  forwarded = 0;

  constructor(private readonly o: HubRelayOptions) {
    this.hubId = o.hubId ?? randomBytes(4).toString('hex');
    if (!HUB_ID_RE.test(this.hubId)) throw new Error(`invalid hub id ${JSON.stringify(this.hubId)}`);
    this.presence = new Presence(this.hubId);
  }

  /** Prefix of the RPC ids this hub makes: an answer arriving at another hub finds its way back. */
  get rpcIdPrefix(): string {
    return `${this.hubId}_`;
  }

  start(): void {
    const { nc, log } = this.o;
    const on = (subject: string, handle: (data: Uint8Array) => void) =>
      this.subs.push(
        nc.subscribe(subject, {
          callback: (err, msg) => {
            if (err) return log.warn('relay subscription failed', { subject, error: err });
            try {
              handle(msg.data);
            } catch (e) {
              this.invalid++;
              log.warn('relay message refused', { subject, error: e as Error });
            }
          },
        }),
      );
    on(subjects.presence, (d) => this.onPresence(parsePresenceBatch(d)));
    on(subjects.toHub(this.hubId), (d) => this.onHubMessage(parseHubMessage(d)));
    on(subjects.kick, (d) => this.o.hooks.disconnectLocal(parseKick(d).node));
    this.timer = setInterval(() => {
      this.flush();
      this.sweepDeadHubs();
    }, this.o.flushIntervalMs ?? DEFAULT_PRESENCE_FLUSH_MS);
    this.timer.unref();
  }

  bind(local: RelayLocalPort): void {
    this.local = local;
  }

  /** This hub heard from node. */
  seen(node: string): void {
    this.presence.seen(node);
  }

  /** node's connection to this hub dropped. */
  will(node: string): void {
    this.presence.will(node);
  }

  /** Forwards a hub -> board message to the hub holding node; false when it is for this hub's broker. */
  toNode(node: string, topic: string, payload: Buffer, qos: 0 | 1): boolean {
    if (this.o.hooks.isLocal(node)) return false;
    const holder = this.presence.holderOf(node);
    if (!holder || holder === this.hubId) return false;
    this.forwarded++;
    this.send(holder, { v: 1, kind: 'toNode', node, topic, payload: payload.toString('base64'), qos });
    return true;
  }

  /** Forwards an RPC answer for another hub's call; false when the call is this hub's (or nobody's). */
  rpcResponseElsewhere(node: string, id: string, payload: Buffer): boolean {
    const hub = id.split('_', 1)[0] ?? '';
    if (!id.includes('_') || hub === this.hubId || !HUB_ID_RE.test(hub)) return false;
    this.send(hub, { v: 1, kind: 'rpcResponse', node, id, payload: payload.toString('base64') });
    return true;
  }

  /** Every hub drops node's connection (the leader revoked its credential). */
  kick(node: string): void {
    this.o.nc.publish(subjects.kick, encodeRelay({ v: 1, node }));
  }

  forget(node: string): void {
    this.presence.forget(node);
  }

  /** Sends what is noted and stops. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.flush();
    for (const s of this.subs) s.unsubscribe();
    await this.o.nc.flush().catch(() => {});
  }

  flush(): void {
    for (const b of this.presence.takeBatches((n) => this.o.hooks.reportedReady(n)))
      this.o.nc.publish(subjects.presence, encodeRelay(b));
  }

  /** Hubs silent past the dead-hub timeout: their boards are orphaned (hooks.remoteHubLost). */
  sweepDeadHubs(nowMs = Date.now()): void {
    for (const { hub, orphans } of this.presence.takeDeadHubs(
      nowMs,
      this.o.hubDeadAfterMs ?? DEFAULT_HUB_DEAD_AFTER_MS,
    )) {
      this.o.log.warn('hub stopped reporting; its boards get a fresh grace to reconnect to another hub', {
        hub,
        boards: orphans.length,
      });
      this.o.hooks.remoteHubLost(hub, orphans);
    }
  }

  private send(hub: string, m: HubMessage): void {
    this.o.nc.publish(subjects.toHub(hub), encodeRelay(m));
  }

  private onPresence(b: PresenceBatch): void {
    const { seen, wills } = this.presence.applyRemote(b, Date.now());
    for (const n of seen) this.o.hooks.remoteSeen(n, b.ready[n]);
    for (const n of wills) this.o.hooks.remoteWill(n);
  }

  private onHubMessage(m: HubMessage): void {
    const payload = Buffer.from(m.payload, 'base64');
    if (m.kind === 'rpcResponse') {
      this.local?.rpcResponse(m.node, m.id, payload);
      return;
    }
    const local = this.local;
    if (!local) return;
    local
      .publish(m.topic, payload, m.qos)
      .catch((e: unknown) =>
        this.o.log.warn('relayed message not published', { node: m.node, error: e as Error }),
      );
  }
}
