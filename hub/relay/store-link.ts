// A hub's link to the shared store (its NATS connection), and what the hub does when it loses
// it. A hub cut off from NATS (its socket closed, or a silent partition found by missed pings)
// can neither record what its boards report nor tell the other hubs it still hears them, so
// the leader would take its boards for gone and, after the node grace, mark them NotReady. After
// `graceMs` without the store the hub therefore lets its boards go and takes none, so they fail
// over to another hub in their list (agent/hubs), and it takes boards again once the link is
// back. A short blip (less than the grace) changes nothing.

import type { NatsConnection } from 'nats';
import type { Logger } from '../../shared/log.js';

export interface StoreLinkOptions {
  nc: NatsConnection;
  /** Without the store this long, the hub lets its boards go, ms. */
  graceMs: number;
  /** The grace ran out: let the boards go. */
  onLost: () => void;
  /** The link is back after onLost: take boards again. */
  onRegained: () => void;
  log: Logger;
}

export class StoreLink {
  private timer: NodeJS.Timeout | undefined;
  private lost = false;
  private closed = false;
  private downSince: number | undefined;

  constructor(private readonly o: StoreLinkOptions) {}

  /** Follows the connection's status events until close(). */
  start(): void {
    void (async () => {
      for await (const s of this.o.nc.status()) {
        if (this.closed) return;
        if (s.type === 'disconnect') this.down();
        else if (s.type === 'reconnect') this.up();
      }
    })().catch((err: unknown) => this.o.log.warn('store link status stream ended', { err }));
  }

  /** Whether the hub is holding its boards off for want of the store. */
  isLost(): boolean {
    return this.lost;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private down(): void {
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.o.log.warn('store connection lost; boards are let go if it is not back in time', {
      graceMs: this.o.graceMs,
    });
    this.timer = setTimeout(() => {
      this.lost = true;
      this.o.log.warn("store unreachable past the grace: letting this hub's boards go to other hubs", {
        downForMs: Date.now() - (this.downSince ?? Date.now()),
      });
      this.o.onLost();
    }, this.o.graceMs);
    this.timer.unref();
  }

  private up(): void {
    clearTimeout(this.timer);
    const downForMs = Date.now() - (this.downSince ?? Date.now());
    this.downSince = undefined;
    this.o.log.info('store connection back', { downForMs });
    if (!this.lost) return;
    this.lost = false;
    this.o.onRegained();
  }
}
