// Similar events combined (client-go's EventAggregator): events with the same source, object,
// type and reason that differ only in message are stored one by one until 10 different messages
// were seen within 10 minutes; from then on they are recorded as one aggregate Event whose
// message is "(combined from similar events): <latest message>" and whose count grows (the
// correlator counts it under the aggregate key). So a board that varies its messages cannot
// store more than 10 Events per object and reason. Bounded LRU, as client-go's cache.

import type { Event } from '../../shared/api/types.js';
import { CORRELATOR_MAX_ENTRIES, similarEventKey } from './correlator.js';

/** Different messages before events are combined: client-go's defaultAggregateMaxEvents. */
export const AGGREGATOR_MAX_EVENTS = 10;
/** A key quiet for longer starts afresh, ms: client-go's defaultAggregateIntervalInSeconds (600 s). */
export const AGGREGATOR_WINDOW_MS = 600_000;
/** client-go's EventAggregatorByReasonMessageFunc prefix. */
export const AGGREGATE_MESSAGE_PREFIX = '(combined from similar events): ';

interface AggregateRecord {
  /** Messages seen (at most maxEvents - 1 kept, as client-go's localKeys). */
  messages: Set<string>;
  lastMs: number;
}

export interface Aggregated {
  /** The event to record: the one given, or the aggregate in its place. */
  event: Event;
  /** The key the correlator counts it under. */
  key: string;
}

export class EventAggregator {
  private readonly records = new Map<string, AggregateRecord>();

  constructor(
    private readonly maxEvents = AGGREGATOR_MAX_EVENTS,
    private readonly windowMs = AGGREGATOR_WINDOW_MS,
    private readonly maxEntries = CORRELATOR_MAX_ENTRIES,
  ) {}

  /** client-go's EventAggregatorByReasonFunc: everything but the message. */
  static key(ev: Event): string {
    return similarEventKey(ev);
  }

  /** The event to record for `ev` and its correlation key (`ownKey` when not combined). */
  aggregate(ev: Event, ownKey: string, nowMs: number): Aggregated {
    const key = EventAggregator.key(ev);
    let rec = this.records.get(key);
    if (!rec || nowMs - rec.lastMs > this.windowMs) rec = { messages: new Set(), lastMs: nowMs };
    rec.messages.add(ev.message ?? '');
    rec.lastMs = nowMs;
    this.records.delete(key); // most recent last: the oldest is forgotten first
    this.records.set(key, rec);
    if (this.records.size > this.maxEntries) this.records.delete(this.records.keys().next().value as string);
    if (rec.messages.size < this.maxEvents) return { event: ev, key: ownKey };
    // Do not grow the set past the limit (client-go pops one).
    rec.messages.delete(rec.messages.values().next().value as string);
    return {
      event: { ...ev, message: `${AGGREGATE_MESSAGE_PREFIX}${ev.message ?? ''}` },
      key: `aggregate\u0000${key}`,
    };
  }
}
