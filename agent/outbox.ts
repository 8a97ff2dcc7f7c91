// What the agent reports to the hub (node status, pod status, events), sent through a send
// window: a QoS 1 message goes out once the messages still unacknowledged leave room for it in
// SEND_WINDOW_BYTES (one larger than the window goes alone), and a report waiting for room is
// replaced by a newer one with the same key (a pod's status: only the latest matters).
// Payloads are deflated when that makes them smaller (shared/codec/deflate.ts).
// Why: a hub reads whatever a board's connection has delivered, and Node's TLS keeps a 16 KiB
// input block for the connection's life once one read found more than its 1 KiB first block
// (NodeBIO; docs/architecture.md, hub memory): 150 MB at 10,000 boards that each sent a 1.8 KiB
// status at join. The broker acknowledges a QoS 1 publish (PUBACK) after it read it, so with
// PUBACK as the read receipt no board ever has more than the window (plus a heartbeat) unread.
// Also what a slow link wants: a backlog of reports becomes the latest of each.

import { deflatePayload } from '../shared/codec/deflate.js';

/**
 * Bytes of QoS 1 PUBLISH packets unacknowledged at once. With a heartbeat (~100 bytes), a
 * PINGREQ or PUBACK and TLS's 22 bytes per record this stays under the hub's 1 KiB.
 */
export const SEND_WINDOW_BYTES = 768;
/** Reports without a key (events) waiting at most; more are dropped (counted), not queued. */
export const MAX_UNKEYED_WAITING = 256;
/**
 * A PUBACK not come after this long frees its room anyway, ms: a broker that never acknowledges
 * (a bug, a stuck store behind it) must not stop a board's reports for good. MQTT 3.1.1 resends
 * only on a new connection (4.4), which the keepalive brings about if the link itself is dead.
 */
export const ACK_TIMEOUT_MS = 30_000;

export interface OutboxOptions {
  /** Default SEND_WINDOW_BYTES. */
  windowBytes?: number;
  /** Default ACK_TIMEOUT_MS. */
  ackTimeoutMs?: number;
  /** Told of the first report dropped because MAX_UNKEYED_WAITING were waiting (the agent logs it). */
  onFirstDrop?: (topic: string) => void;
}

/** The part of an MQTT client the outbox uses (mqtt.js' MqttClient has it). */
export interface OutboxClient {
  publish(topic: string, payload: Buffer, opts: { qos: 0 | 1 }, cb?: (err?: Error) => void): unknown;
}

interface Waiting {
  topic: string;
  json: Buffer;
  /** Deflated once, when it first comes up to be sent (a report replaced before never is). */
  payload?: Buffer;
  /** Without a key: counted against MAX_UNKEYED_WAITING. */
  unkeyed: boolean;
}

/** Size of an MQTT 3.1.1 PUBLISH packet (section 3.3): header, topic, packet id, payload. */
export function publishPacketBytes(topic: string, payloadBytes: number, qos: 0 | 1): number {
  const rest = 2 + Buffer.byteLength(topic) + (qos > 0 ? 2 : 0) + payloadBytes;
  const lengthBytes = rest < 128 ? 1 : rest < 16_384 ? 2 : rest < 2_097_152 ? 3 : 4;
  return 1 + lengthBytes + rest;
}

/** One per connection: what was waiting when the connection closed is sent again by the agent's resend at connect. */
export class Outbox {
  private readonly waiting = new Map<string, Waiting>();
  private inFlight = 0;
  private unkeyed = 0;
  private nextUnkeyed = 0;
  /** Reports without a key dropped because MAX_UNKEYED_WAITING were waiting. */
  dropped = 0;
  /** Reports whose PUBACK did not come within the ack timeout. */
  ackTimeouts = 0;
  private readonly windowBytes: number;
  private readonly ackTimeoutMs: number;
  private readonly onFirstDrop?: (topic: string) => void;

  constructor(
    private readonly client: OutboxClient,
    o: OutboxOptions = {},
  ) {
    this.windowBytes = o.windowBytes ?? SEND_WINDOW_BYTES;
    this.ackTimeoutMs = o.ackTimeoutMs ?? ACK_TIMEOUT_MS;
    this.onFirstDrop = o.onFirstDrop;
  }

  /** Bytes sent and not yet acknowledged. */
  get inFlightBytes(): number {
    return this.inFlight;
  }

  /** Reports waiting for room in the window. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  /** A QoS 1 report; with a key, it replaces the one of that key still waiting. */
  send(topic: string, json: Buffer, key?: string): void {
    const item: Waiting = { topic, json, unkeyed: key === undefined };
    if (key === undefined) {
      if (this.unkeyed >= MAX_UNKEYED_WAITING) {
        if (this.dropped++ === 0) this.onFirstDrop?.(topic);
        return;
      }
      this.unkeyed++;
      this.waiting.set(`\0${this.nextUnkeyed++}`, item);
    } else this.waiting.set(key, item);
    this.drain();
  }

  /** A QoS 0 message (usage reports): outside the window, deflated like the rest. */
  fire(topic: string, json: Buffer): void {
    this.client.publish(topic, deflatePayload(json), { qos: 0 });
  }

  private drain(): void {
    for (const [key, item] of this.waiting) {
      item.payload ??= deflatePayload(item.json);
      const payload = item.payload;
      const bytes = publishPacketBytes(item.topic, payload.byteLength, 1);
      if (this.inFlight > 0 && this.inFlight + bytes > this.windowBytes) return;
      this.waiting.delete(key);
      if (item.unkeyed) this.unkeyed--;
      this.inFlight += bytes;
      let freed = false;
      const free = () => {
        if (freed) return;
        freed = true;
        clearTimeout(timer);
        this.inFlight -= bytes;
        this.drain();
      };
      const timer = setTimeout(() => {
        this.ackTimeouts++;
        free();
      }, this.ackTimeoutMs);
      timer.unref();
      // Called at PUBACK, or with an error when the connection closes first.
      this.client.publish(item.topic, payload, { qos: 1 }, free);
    }
  }
}
