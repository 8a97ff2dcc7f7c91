// Leader election on a compare-and-swap lock, as client-go's leaderelection does with a Lease:
// the leader renews the record every retry period; a candidate that has seen the record
// unchanged (by its own clock, never the holder's timestamps) for a lease duration takes it over
// with a CAS on the revision it saw, so exactly one candidate wins. A leader that cannot renew
// within the renew deadline stops leading before any candidate may take over (deadline < lease).
// A graceful stop releases the lock (empty holder) so a standby takes over at its next try.
// A renewal counts from the moment it was sent, and holdsLease() turns false once the deadline
// has passed since then, even while a renewal hangs or the event loop was blocked: the hub
// fences its leader writes on it, so a leader that stalled never writes beside its successor.

import type { Logger } from '../../shared/log.js';
import { type LeaderLock, type LeaderRecord, LockConflictError, type LockState } from './lock.js';

export interface ElectorOptions {
  lock: LeaderLock;
  /** This candidate's identity (hub name + process), written as holderIdentity. */
  identity: string;
  /** A record unchanged this long may be taken over, ms. Default 3000 ms. */
  leaseDurationMs?: number;
  /** The leader gives up when it could not renew for this long, ms (< lease). Default 2000 ms. */
  renewDeadlineMs?: number;
  /** How often candidates try and the leader renews, ms. Default 500 ms. */
  retryPeriodMs?: number;
  onStartedLeading: () => Promise<void> | void;
  onStoppedLeading: () => Promise<void> | void;
  log: Logger;
}

export const DEFAULT_LEASE_DURATION_MS = 3_000; // ms
export const DEFAULT_RENEW_DEADLINE_MS = 2_000; // ms
export const DEFAULT_RETRY_PERIOD_MS = 500; // ms

export class InvalidElectorOptionError extends Error {
  override name = 'InvalidElectorOptionError';
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private observed: { revision: number; at: number } | undefined;
  private lastRenew = 0;
  private transition: Promise<void> = Promise.resolve();
  private readonly leaseMs: number;
  private readonly deadlineMs: number;
  private readonly retryMs: number;

  constructor(private readonly o: ElectorOptions) {
    this.leaseMs = o.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.deadlineMs = o.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryMs = o.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    if (!(this.retryMs > 0 && this.deadlineMs > this.retryMs && this.leaseMs > this.deadlineMs)) {
      throw new InvalidElectorOptionError(
        `need 0 < retryPeriodMs (${this.retryMs}) < renewDeadlineMs (${this.deadlineMs}) < leaseDurationMs (${this.leaseMs})`,
      );
    }
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Leading, and the last successful renewal was sent less than the renew deadline ago: a
   * candidate takes over only after a whole lease (> deadline) without a change it saw.
   */
  holdsLease(now = Date.now()): boolean {
    return this.leading && now - this.lastRenew < this.deadlineMs;
  }

  start(): void {
    void this.loop();
  }

  /** Stops campaigning; a leader stops leading and releases the lock. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leading) {
      await this.setLeading(false);
      try {
        const s = await this.o.lock.read();
        if (s && s.record.holderIdentity === this.o.identity) {
          await this.o.lock.update({ ...s.record, holderIdentity: '', leaseDurationMs: 1 }, s.revision);
        }
      } catch (err) {
        this.o.log.warn('could not release the leader lock', { err: String(err) });
      }
    }
    await this.transition;
  }

  private async loop(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.tryOnce();
    } catch (err) {
      this.o.log.warn('leader election attempt failed', { err: String(err) });
    }
    if (this.leading && !this.holdsLease()) {
      this.o.log.error('leader lost the lock: could not renew within the deadline', { ms: this.deadlineMs });
      await this.setLeading(false);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.loop(), this.retryMs);
  }

  private record(prev: LeaderRecord | undefined, now: number): LeaderRecord {
    const mine = prev?.holderIdentity === this.o.identity;
    return {
      holderIdentity: this.o.identity,
      leaseDurationMs: this.leaseMs,
      acquireTime: mine && prev ? prev.acquireTime : now,
      renewTime: now,
      leaderTransitions: (prev?.leaderTransitions ?? 0) + (mine || !prev ? 0 : 1),
    };
  }

  private async tryOnce(): Promise<void> {
    const now = Date.now();
    let s: LockState | undefined;
    s = await this.o.lock.read();
    if (!s) {
      await this.write(() => this.o.lock.create(this.record(undefined, now)));
      return;
    }
    if (!this.observed || this.observed.revision !== s.revision)
      this.observed = { revision: s.revision, at: now };
    const holder = s.record.holderIdentity;
    if (holder === this.o.identity) {
      const rev = s.revision;
      await this.write(() => this.o.lock.update(this.record(s?.record, now), rev));
      return;
    }
    if (this.leading) {
      this.o.log.error('leader lock taken by another hub', { holder });
      await this.setLeading(false);
    }
    const expired = holder === '' || now - this.observed.at >= this.leaseMs;
    if (expired) {
      const rev = s.revision;
      const prev = s.record;
      await this.write(() => this.o.lock.update(this.record(prev, now), rev));
    }
  }

  /** One CAS write: success means this candidate holds the lock (renewed or acquired). */
  private async write(fn: () => Promise<number>): Promise<void> {
    const sent = Date.now();
    try {
      await fn();
    } catch (err) {
      if (err instanceof LockConflictError) {
        if (this.leading) {
          this.o.log.error('leader lock changed under the leader', {});
          await this.setLeading(false);
        }
        return;
      }
      throw err;
    }
    this.lastRenew = sent;
    if (!this.leading && !this.stopped) {
      this.o.log.info('became leader', { identity: this.o.identity, lock: this.o.lock.describe() });
      await this.setLeading(true);
    }
  }

  private setLeading(v: boolean): Promise<void> {
    if (this.leading === v) return this.transition;
    this.leading = v;
    this.transition = this.transition.then(async () => {
      try {
        await (v ? this.o.onStartedLeading() : this.o.onStoppedLeading());
      } catch (err) {
        this.o.log.error(v ? 'starting leader work failed' : 'stopping leader work failed', {
          err: String(err),
        });
      }
    });
    return this.transition;
  }
}
