// Identical events counted instead of stored again (client-go's EventCorrelator, its
// EventLogger part): an event with the same source, object, type, reason and message as one
// recorded within the window updates that Event's count and lastTimestamp (and message: an
// aggregate, aggregator.ts, is counted under its own key and carries the latest message). Bounded LRU, as
// client-go's cache (4096 entries).

import type { Event } from '../../shared/api/types.js';

/** Entries remembered: client-go's maxLruCacheEntries. */
export const CORRELATOR_MAX_ENTRIES = 4096;
/** An identical event older than this starts a new Event, ms (client-go: 10 min). */
export const CORRELATOR_WINDOW_MS = 10 * 60_000;

interface Seen {
  event: Event;
  at: number;
}

/** Everything that makes two events "similar" except their message (client-go's EventAggregatorByReasonFunc). */
export function similarEventKey(ev: Event): string {
  const io = ev.involvedObject ?? {};
  return [
    ev.source?.component,
    ev.source?.host,
    io.kind,
    io.namespace,
    io.name,
    io.uid,
    io.apiVersion,
    ev.type,
    ev.reason,
    ev.reportingComponent,
    ev.reportingInstance,
  ].join('\u0000');
}

export class EventCorrelator {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly maxEntries = CORRELATOR_MAX_ENTRIES,
    private readonly windowMs = CORRELATOR_WINDOW_MS,
  ) {}

  /** client-go's getEventKey: what the aggregator groups by, plus the message. */
  static key(ev: Event): string {
    return `${similarEventKey(ev)}\u0000${ev.message ?? ''}`;
  }

  /** The Event the one under key `k` was last written as, when within the window. */
  previous(k: string, nowMs: number): Event | undefined {
    const s = this.seen.get(k);
    if (!s) return undefined;
    if (nowMs - s.at > this.windowMs) {
      this.seen.delete(k);
      return undefined;
    }
    return s.event;
  }

  /** Remembers what the event under key `k` was written as (most recent last, oldest forgotten first). */
  written(k: string, ev: Event, nowMs: number): void {
    this.seen.delete(k);
    this.seen.set(k, { event: ev, at: nowMs });
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
  }

  forget(k: string): void {
    this.seen.delete(k);
  }
}
