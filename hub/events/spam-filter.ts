// Events about one object from one source are throttled, as client-go's
// EventSourceObjectSpamFilter does for every recorder: a token bucket per source + involved
// object, 25 events at once and then one every 5 minutes; an event over it is dropped, not
// written. So a DaemonSet that creates a pod on each of 10,000 boards records 25
// SuccessfulCreate events, not 10,000 store writes (the events of one object are written one
// after another: recorder.ts).

import type { Event } from '../../shared/api/types.js';
import { KeyedTokenBucket } from '../gateway/restriction/rate-limit.js';
import { CORRELATOR_MAX_ENTRIES } from './correlator.js';

/** Events one source may record about one object at once (client-go's defaultSpamBurst). */
export const SPAM_BURST = 25;
/** Refill, events per second: one every 5 minutes (client-go's defaultSpamQPS = 1/300). */
export const SPAM_QPS = 1 / 300;

export interface SpamLimits {
  /** Bucket size, events. */
  burst: number;
  /** Refill, events per second. */
  qps: number;
}

/** client-go's getSpamKey: the source and the involved object, not the reason or message. */
export function spamKey(ev: Event): string {
  const io = ev.involvedObject ?? {};
  return [ev.source?.component, ev.source?.host, io.kind, io.namespace, io.name, io.uid, io.apiVersion].join(
    '\u0000',
  );
}

/**
 * Objects whose buckets are remembered: client-go's spam filter is an LRU of the same size as
 * its correlator's (maxLruCacheEntries, 4096). Every pod a scheduler places or a board reports
 * on is an object: with 100,000 keys the buckets held 0.22 KiB of heap per pod of the fleet
 * (heap snapshot, 300 boards + 360 pods), for hours (a bucket refills in burst/qps = 2 h);
 * an object past the LRU starts afresh, as upstream.
 */
export const SPAM_FILTER_MAX_OBJECTS = CORRELATOR_MAX_ENTRIES;

export class EventSpamFilter {
  private readonly buckets: KeyedTokenBucket;

  constructor(limits: SpamLimits = { burst: SPAM_BURST, qps: SPAM_QPS }) {
    this.buckets = new KeyedTokenBucket(limits.qps, limits.burst, SPAM_FILTER_MAX_OBJECTS);
  }

  /** Whether ev may be recorded now (takes a token of its source and object). */
  allows(ev: Event, nowMs = Date.now()): boolean {
    return this.buckets.take(spamKey(ev), nowMs);
  }
}
