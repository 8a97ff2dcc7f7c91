// Events expire (kube-apiserver --event-ttl, 1 h by default, kept as an etcd lease there):
// a periodic sweep deletes every Event whose last occurrence is older than the TTL, so a
// noisy board cannot grow the store with them.

import type { ApiClient } from '../api/client.js';
import { isNotFound } from '../api/errors.js';
import type { Event } from '../../shared/api/types.js';
import type { Logger } from '../../shared/log.js';

/** kube-apiserver's --event-ttl default, ms. */
export const DEFAULT_EVENT_TTL_MS = 60 * 60_000;
/** Longest time between sweeps, ms; shorter TTLs sweep every TTL/2. */
const MAX_SWEEP_INTERVAL_MS = 60_000;

export interface EventTtlOptions {
  client: ApiClient;
  ttlMs: number;
  log: Logger;
  now?: () => number;
}

/** When the event last happened, ms since epoch (NaN when it carries no time). */
function lastSeenMs(ev: Event): number {
  return Date.parse(ev.lastTimestamp ?? ev.eventTime ?? ev.metadata.creationTimestamp ?? '');
}

export class EventTtlSweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  readonly intervalMs: number;

  constructor(private readonly opts: EventTtlOptions) {
    this.intervalMs = Math.max(1, Math.min(MAX_SWEEP_INTERVAL_MS, Math.floor(opts.ttlMs / 2)));
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  /** Deletes the expired events; resolves to how many. One sweep at a time. */
  sweep(): Promise<number> {
    this.running ??= this.deleteExpired().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async deleteExpired(): Promise<number> {
    const now = (this.opts.now ?? Date.now)();
    let deleted = 0;
    try {
      const list = await this.opts.client.list<Event>('events', undefined);
      for (const ev of list.items) {
        const t = lastSeenMs(ev);
        if (Number.isNaN(t) || now - t <= this.opts.ttlMs) continue;
        try {
          await this.opts.client.delete('events', ev.metadata.namespace, ev.metadata.name ?? '');
          deleted++;
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
    } catch (e) {
      this.opts.log.warn('event TTL sweep failed', { error: e as Error });
    }
    if (deleted) this.opts.log.debug('expired events deleted', { deleted });
    return deleted;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
