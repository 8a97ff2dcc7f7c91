// Agent self-update, board side (issue #10). The hub orders a version on the retained
// nodes/<node>/agent/update topic; the agent then runs these named steps:
//   check order     another version than the one running, not one that failed here before,
//                   signed by the hub CA this agent pinned at join (its version and SHA-256)
//   fetch bundle    ask the hub for it on nodes/<node>/agent/bundle/get, over the MQTT
//                   connection the agent already has (its node credential, TLS)
//   verify          the bytes' SHA-256 is the signed order's
//   store           bundles/<version>.mjs written atomically (state.ts)
//   swap            state.json: current = the new version on trial, previous = the running one
//   restart         the agent stops (its containers keep running, adopted after the restart)
//                   and exits with EXIT_RESTART_FOR_UPDATE; its supervisor (launcher.ts)
//                   starts the new bundle
// Once the new agent has connected and sent its first status, it confirms (the trial ends).
// If it does not within MAX_TRIAL_STARTS starts, the launcher goes back to the previous bundle
// on its own; the hub sees the board not report the version in time and fails the wave.
// A refused order or bundle (unsigned, signed by another key, bytes that are not the signed
// sum) is a Warning event AgentUpdateRefused on the Node; the agent keeps running its version.

import { createHash } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { Logger } from '../../shared/log.js';
import { parseTopic, topics } from '../../shared/mqtt/topics.js';
import { verifyBundleOrder } from '../../shared/protocol/bundle-signature.js';
import {
  type AgentUpdateOrder,
  type BundleRequest,
  encode,
  parseAgentUpdateOrder,
  parseBundle,
} from '../../shared/protocol/messages.js';
import { writeAtomic } from '../write-atomic.js';
import { bundlePath, readState, writeState } from './state.js';

/** The agent's exit code asking its supervisor to start it again at once (sysexits EX_TEMPFAIL). */
export const EXIT_RESTART_FOR_UPDATE = 75;

export interface UpdaterOptions {
  node: string;
  dataDir: string;
  /** The version this agent is (DROVER_VERSION of its bundle). */
  running: string;
  log: Logger;
  /** Stops the agent, keeping its containers, and exits for the restart. */
  restart(): void;
  /** The hub CA pinned at join (PEM), which signs orders; undefined on a plain MQTT hub. */
  hubCa(): string | undefined;
  /** An event on this board's Node. */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** The reason of the event a refused order or bundle makes. */
export const UPDATE_REFUSED_REASON = 'AgentUpdateRefused';

export class AgentUpdater {
  private order?: AgentUpdateOrder;
  private fetching?: string;
  private confirmed = false;

  constructor(private readonly o: UpdaterOptions) {}

  subscriptions(): string[] {
    return [topics.agentUpdate(this.o.node), topics.bundle(this.o.node)];
  }

  /**
   * A new connection (a hub restarted, or the board failed over to another hub): a bundle asked
   * for on the old one will not come, so the order the new hub sends (retained) asks again.
   */
  connected(): void {
    this.fetching = undefined;
  }

  /** The agent is connected and its status went out: a version on trial has proven itself. */
  confirm(): void {
    if (this.confirmed) return;
    this.confirmed = true;
    const s = readState(this.o.dataDir);
    if (s.trial?.version !== this.o.running) return;
    writeState(this.o.dataDir, { ...s, trial: undefined });
    this.o.log.info('agent version confirmed', { version: this.o.running });
  }

  /** Handles a message on one of our topics; false when the topic is not ours. */
  handle(client: MqttClient, topic: string, payload: Buffer): boolean {
    const t = parseTopic(topic);
    if (t?.kind === 'agentUpdate' && t.node === this.o.node) {
      if (payload.length === 0) this.order = undefined;
      else this.onOrder(client, parseAgentUpdateOrder(payload));
      return true;
    }
    if (t?.kind === 'bundle' && t.node === this.o.node) {
      this.onBundle(payload);
      return true;
    }
    return false;
  }

  private onOrder(client: MqttClient, order: AgentUpdateOrder): void {
    // check order: only a verified order is kept, since a bundle is taken only for the kept order
    // (a bundle still on its way for an earlier one is not taken either)
    this.order = undefined;
    if (order.version === this.o.running) return;
    const unsigned = this.unsignedBecause(order);
    if (unsigned) {
      this.refuse(`agent version ${order.version} refused: ${unsigned}; staying on ${this.o.running}`);
      return;
    }
    if (readState(this.o.dataDir).failed?.includes(order.version)) {
      this.o.log.warn('ordered agent version failed here before: staying', {
        version: order.version,
        running: this.o.running,
      });
      return;
    }
    this.order = order;
    if (this.fetching === order.version) return;
    // fetch bundle
    this.fetching = order.version;
    this.o.log.info('agent update ordered: fetching the bundle', { version: order.version });
    client.publish(topics.bundleRequest(this.o.node), encode<BundleRequest>({ version: order.version }), {
      qos: 1,
    });
  }

  private onBundle(payload: Buffer): void {
    const { header, data } = parseBundle(payload);
    const order = this.order;
    this.fetching = undefined;
    if (!order || header.version !== order.version) return; // an answer to an order since replaced
    if (header.error) {
      this.o.log.warn('hub has no bundle for the ordered version', {
        version: order.version,
        error: header.error,
      });
      return;
    }
    // verify
    const sum = createHash('sha256').update(data).digest('hex');
    if (sum !== order.sha256) {
      this.refuse(
        `agent bundle ${order.version} refused: its SHA-256 ${sum} is not the signed order's ${order.sha256}; staying on ${this.o.running}`,
      );
      return;
    }
    // store, then swap: the running version becomes the one to fall back to
    const s = readState(this.o.dataDir);
    writeState(this.o.dataDir, s); // makes the bundles directory
    writeAtomic(bundlePath(this.o.dataDir, order.version), data);
    writeState(this.o.dataDir, {
      ...s,
      previous: s.current,
      current: order.version,
      trial: { version: order.version, starts: 0 },
    });
    // restart
    this.o.log.info('agent bundle verified and swapped in: restarting', {
      version: order.version,
      from: this.o.running,
      bytes: data.length,
    });
    this.o.restart();
  }

  /** Why the order is not the hub's, or undefined when its signature verifies against the pinned CA. */
  private unsignedBecause(order: AgentUpdateOrder): string | undefined {
    const ca = this.o.hubCa();
    if (!ca) return 'no hub CA pinned to check its signature with (self-update needs an MQTTS hub)';
    if (!order.signature) return 'the order is not signed';
    if (!verifyBundleOrder(ca, order.version, order.sha256, order.signature))
      return 'its signature does not verify against the hub CA pinned at join';
    return undefined;
  }

  private refuse(message: string): void {
    this.o.log.warn(message);
    this.o.event('Warning', UPDATE_REFUSED_REASON, message);
  }
}
