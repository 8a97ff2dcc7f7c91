// aedes-persistence's in-memory persistence with its retained-message methods replaced by a
// RetainedIndex (see retained-index.ts). Everything else (subscriptions, QoS queues, wills) is
// the stock implementation. The package is CommonJS without types for its inner modules, so
// it is loaded with createRequire and typed here by the few members used.

import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { RetainedIndex } from './retained-index.js';

/** The part of an aedes packet that retained storage touches. */
interface RetainedPacket {
  topic: string;
  payload: Buffer | string;
}

interface AsyncMemoryPersistence {
  storeRetained(packet: RetainedPacket): Promise<void>;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

const require = createRequire(import.meta.url);
const AsyncPersistence = require('aedes-persistence/asyncPersistence.js') as new () => AsyncMemoryPersistence;
const { CallBackPersistence } = require('aedes-persistence/callBackPersistence.js') as {
  CallBackPersistence: new (factory: () => AsyncMemoryPersistence) => object;
};

class IndexedRetainedPersistence extends AsyncPersistence {
  readonly retained = new RetainedIndex<RetainedPacket>();

  override async storeRetained(pkt: RetainedPacket): Promise<void> {
    // An empty retained payload deletes the retained message (MQTT 3.1.1 §3.3.1.3).
    if (pkt.payload.length === 0) this.retained.delete(pkt.topic);
    else this.retained.set(pkt.topic, { ...pkt });
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

/** A persistence for `Aedes.createBroker({ persistence })`; `retainedCount()` is for tests and stats. */
export function createRetainedPersistence(): { persistence: object; retainedCount: () => number } {
  const inner = new IndexedRetainedPersistence();
  return { persistence: new CallBackPersistence(() => inner), retainedCount: () => inner.retained.size };
}
