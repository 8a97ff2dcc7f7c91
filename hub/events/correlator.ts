// Identical events counted instead of stored again (client-go's EventCorrelator, its
// EventLogger part): an event with the same source, object, type, reason and message as one
// recorded within the window updates that Event's count and lastTimestamp (and message: an
// aggregate, aggregator.ts, is counted under its own key and carries the latest message). Bounded LRU, as
// client-go's cache (4096 entries). Each entry keeps what a repeat needs of the Event written
// (client-go's eventLog: name, resourceVersion, count, firstTimestamp), not the Event: the
// rest is the repeat's own (same key: same source, object, type, reason and message), and a
// whole Event per entry was 1.2 KiB of heap per pod of the fleet (heap snapshot, 300 boards +
// 360 pods: the scheduler's Scheduled and the boards' events, 4096 entries per recorder).

import type { Event } from '../../shared/api/types.js';

/** Entries remembered: client-go's maxLruCacheEntries. */
export const CORRELATOR_MAX_ENTRIES = 4096;
/** An identical event older than this starts a new Event, ms (client-go: 10 min). */
export const CORRELATOR_WINDOW_MS = 10 * 60_000;

/** The Event last written under a key, as far as a repeat needs it. */
export interface WrittenEvent {
  name: string;
  resourceVersion?: string;
  count: number;
  firstTimestamp?: string;
}

interface Seen {
  event: WrittenEvent;
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

  /** What the event under key `k` was last written as, when within the window. */
  previous(k: string, nowMs: number): WrittenEvent | undefined {
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
    const event: WrittenEvent = { name: ev.metadata.name ?? '', count: ev.count ?? 1 };
    if (ev.metadata.resourceVersion !== undefined) event.resourceVersion = ev.metadata.resourceVersion;
    if (ev.firstTimestamp !== undefined) event.firstTimestamp = ev.firstTimestamp;
    this.seen.set(k, { event, at: nowMs });
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
  }

  forget(k: string): void {
    this.seen.delete(k);
  }
}
