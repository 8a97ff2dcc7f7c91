// aedes-persistence's in-memory persistence with its retained-message methods replaced by a
// RetainedIndex (see retained-index.ts). Everything else (subscriptions, QoS queues, wills) is
// the stock implementation. The package is CommonJS without types for its inner modules, so
// it is loaded with createRequire and typed here by the few members used.

import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { RetainedIndex } from './retained-index.js';

/**
 * What of an aedes packet a retained message keeps: what aedes reads when it delivers one
 * (handlers/subscribe.js makes a new Packet of cmd, qos, topic and payload), not the whole
 * publish packet (broker id and counter, message id, client id, flags).
 */
interface RetainedPacket {
  cmd?: string;
  qos?: number;
  topic: string;
  payload: Buffer | string;
}

interface ClientRef {
  id: string;
}
interface SubscriberRef {
  clientId: string;
}

interface AsyncMemoryPersistence {
  storeRetained(packet: RetainedPacket): Promise<void>;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
  outgoingEnqueue(sub: SubscriberRef, packet: object): Promise<void>;
  outgoingEnqueueCombi(subs: SubscriberRef[], packet: object): Promise<void>;
  outgoingUpdate(client: ClientRef, packet: object): Promise<void>;
  outgoingClearMessageId(client: ClientRef, packet: object): Promise<object | undefined>;
}

const require = createRequire(import.meta.url);
const AsyncPersistence = require('aedes-persistence/asyncPersistence.js') as new () => AsyncMemoryPersistence;
const { CallBackPersistence } = require('aedes-persistence/callBackPersistence.js') as {
  CallBackPersistence: new (factory: () => AsyncMemoryPersistence) => object;
};

/**
 * The payload in memory of its own size. mqtt-packet's parser hands out a view into the chunk
 * the connection read, and a read can hold many packets (the hub publishes every node's set in
 * one burst): a retained view would pin that whole chunk, once per node, for as long as the
 * node's set is not replaced. allocUnsafeSlow: not a slice of Buffer's shared 8 KiB pool either.
 */
export function ownedBytes(payload: Buffer | string): Buffer | string {
  if (typeof payload === 'string') return payload;
  if (payload.byteOffset === 0 && payload.buffer.byteLength === payload.length) return payload;
  const own = Buffer.allocUnsafeSlow(payload.length);
  payload.copy(own);
  return own;
}

class IndexedRetainedPersistence extends AsyncPersistence {
  readonly retained = new RetainedIndex<RetainedPacket>();
  /**
   * Clients that ever had a message queued (persistent sessions only: boards connect clean).
   * aedes clears a message id from the queue at every PUBACK, and the stock method makes an
   * empty queue in a Map entry for a client without one, kept for good: ~0.15 KiB per board.
   */
  private readonly queuedFor = new Set<string>();

  override async outgoingEnqueue(sub: SubscriberRef, packet: object): Promise<void> {
    this.queuedFor.add(sub.clientId);
    return super.outgoingEnqueue(sub, packet);
  }

  override async outgoingEnqueueCombi(subs: SubscriberRef[], packet: object): Promise<void> {
    for (const sub of subs) this.queuedFor.add(sub.clientId);
    return super.outgoingEnqueueCombi(subs, packet);
  }

  override async outgoingUpdate(client: ClientRef, packet: object): Promise<void> {
    this.queuedFor.add(client.id);
    return super.outgoingUpdate(client, packet);
  }

  /** Nothing to clear for a client that never had a queue (the stock method would make one). */
  override async outgoingClearMessageId(client: ClientRef, packet: object): Promise<object | undefined> {
    if (!this.queuedFor.has(client.id)) return undefined;
    return super.outgoingClearMessageId(client, packet);
  }

  override async storeRetained(pkt: RetainedPacket): Promise<void> {
    // An empty retained payload deletes the retained message (MQTT 3.1.1 §3.3.1.3).
    if (pkt.payload.length === 0) this.retained.delete(pkt.topic);
    else
      this.retained.set(pkt.topic, {
        cmd: pkt.cmd,
        qos: pkt.qos,
        topic: pkt.topic,
        payload: ownedBytes(pkt.payload),
      });
  }

  override createRetainedStream(pattern: string): Readable {
    return Readable.from(this.retained.match(pattern));
  }

  override createRetainedStreamCombi(patterns: string[]): Readable {
    return Readable.from(this.matchAll(patterns));
  }

  /** Each retained message once, even when several filters of one SUBSCRIBE match it. */
  private *matchAll(patterns: string[]): Generator<RetainedPacket> {
    const seen = new Set<string>();
    for (const p of patterns) {
      for (const pkt of this.retained.match(p)) {
        if (seen.has(pkt.topic)) continue;
        seen.add(pkt.topic);
        yield pkt;
      }
    }
  }
}

/** Memory the payloads hold: each backing store once (several views may share one). */
function heldBytes(packets: Iterable<RetainedPacket>): number {
  const stores = new Set<ArrayBufferLike>();
  let bytes = 0;
  for (const { payload } of packets) {
    if (typeof payload === 'string') bytes += Buffer.byteLength(payload);
    else stores.add(payload.buffer);
  }
  for (const s of stores) bytes += s.byteLength;
  return bytes;
}

/**
 * A persistence for `Aedes.createBroker({ persistence })`; `retainedCount()` and
 * `retainedBytes()` (memory held by the payloads, a scan: for metrics and tests) are stats.
 */
export function createRetainedPersistence(): {
  persistence: object;
  retainedCount: () => number;
  retainedBytes: () => number;
} {
  const inner = new IndexedRetainedPersistence();
  return {
    persistence: new CallBackPersistence(() => inner),
    retainedCount: () => inner.retained.size,
    retainedBytes: () => heldBytes(inner.retained.values()),
  };
}
