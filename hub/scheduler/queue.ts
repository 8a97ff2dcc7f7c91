// The scheduling queue (kube-scheduler's PriorityQueue): an active queue ordered by priority
// then arrival; a backoff queue for pods that failed recently (1 s doubling to 10 s per
// attempt); and a parking lot of unschedulable pods that only cluster events bring back
// (moveAllToActiveOrBackoff: a node added or changed, a pod deleted), or a periodic flush
// after 5 minutes in case an event was missed.

import type { Pod } from '../../shared/api/types.js';
import { Heap } from './heap.js';
import { podKey } from './resources.js';

export interface QueueOptions {
  /** Backoff after the first failed attempt, ms. */
  initialBackoffMs?: number;
  /** Backoff ceiling, ms. */
  maxBackoffMs?: number;
  /** An unschedulable pod is retried after this long even without an event, ms. */
  maxUnschedulableMs?: number;
  /** How often to look for such pods, ms. */
  unschedulableFlushIntervalMs?: number;
  now?: () => number;
}

export const QUEUE_DEFAULTS = {
  initialBackoffMs: 1_000,
  maxBackoffMs: 10_000,
  maxUnschedulableMs: 5 * 60_000,
  unschedulableFlushIntervalMs: 30_000,
} as const;

export interface QueuedPod {
  pod: Pod;
  key: string;
  /** Scheduling attempts so far (incremented by pop). */
  attempts: number;
  /** When the pod was first queued (ms). */
  timestamp: number;
  /** Arrival order, for FIFO among equal priorities (timestamps tie within a millisecond). */
  seq: number;
  /** When the last attempt failed (ms). */
  lastFailure: number;
  /** Queue's scheduling cycle when this pod was popped. */
  cycle: number;
}

export interface QueueCounts {
  active: number;
  backoff: number;
  unschedulable: number;
  inFlight: number;
}

export class SchedulingQueue {
  private readonly opts: Required<Omit<QueueOptions, 'now'>>;
  private readonly now: () => number;
  private readonly active = new Heap<QueuedPod>((a, b) => {
    const pa = a.pod.spec.priority ?? 0;
    const pb = b.pod.spec.priority ?? 0;
    return pa !== pb ? pa > pb : a.seq < b.seq;
  });
  private readonly activeKeys = new Set<string>();
  private readonly backoff = new Map<string, QueuedPod>();
  private readonly unschedulable = new Map<string, QueuedPod>();
  private readonly inFlight = new Map<string, QueuedPod>();
  private waiters: ((q: QueuedPod | undefined) => void)[] = [];
  private schedulingCycle = 0;
  private seq = 0;
  private moveRequestCycle = -1;
  private backoffTimer: NodeJS.Timeout | undefined;
  private readonly flushTimer: NodeJS.Timeout;
  private closed = false;

  constructor(opts: QueueOptions = {}) {
    this.opts = { ...QUEUE_DEFAULTS, ...stripUndefined(opts) };
    this.now = opts.now ?? Date.now;
    this.flushTimer = setInterval(
      () => this.flushUnschedulableLeftover(),
      this.opts.unschedulableFlushIntervalMs,
    );
    // Housekeeping only: it must not keep a process alive on its own.
    this.flushTimer.unref();
  }

  /** A new unbound pod, or one seen again after a relist. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.closed) return;
    if (this.inFlight.has(key)) {
      this.inFlight.get(key)!.pod = pod;
      return;
    }
    const existing = this.find(key);
    if (existing) {
      existing.pod = pod;
      return;
    }
    this.pushActive({
      pod,
      key,
      attempts: 0,
      timestamp: this.now(),
      seq: this.seq++,
      lastFailure: 0,
      cycle: 0,
    });
  }

  /**
   * An unbound pod changed. A change to what scheduling reads (spec, labels, annotations) makes
   * an unschedulable pod worth another try; status-only changes (our own condition write) do not.
   */
  update(pod: Pod): void {
    const key = podKey(pod);
    const parked = this.unschedulable.get(key);
    if (parked) {
      const changed = schedulingRelevant(parked.pod) !== schedulingRelevant(pod);
      parked.pod = pod;
      if (changed) {
        this.unschedulable.delete(key);
        this.requeue(parked);
      }
      return;
    }
    this.add(pod);
  }

  /** The pod was deleted or bound: forget it wherever it is. */
  delete(key: string): void {
    this.inFlight.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    if (this.activeKeys.delete(key)) this.active.removeWhere((q) => q.key === key);
  }

  /** The next pod to schedule when one is ready now, without waiting (or yielding). */
  tryPop(): QueuedPod | undefined {
    return this.closed ? undefined : this.takeActive();
  }

  /** Next pod to schedule; waits for one. undefined once closed. */
  pop(): Promise<QueuedPod | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const q = this.takeActive();
    if (q) return Promise.resolve(q);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The pod popped last was bound (or given up on): it leaves the queue. */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * The attempt failed. unschedulable=true (no node fits): park it until a cluster event,
   * unless such an event happened while it was being scheduled; otherwise (an error such as a
   * failed bind) back off and retry.
   */
  failed(key: string, unschedulable: boolean): void {
    const q = this.inFlight.get(key);
    if (!q) return; // deleted or bound meanwhile
    this.inFlight.delete(key);
    q.lastFailure = this.now();
    if (unschedulable && this.moveRequestCycle < q.cycle) this.unschedulable.set(key, q);
    else this.pushBackoff(q);
  }

  /** A cluster event that may make parked pods schedulable (kube-scheduler MoveAllToActiveOrBackoffQueue). */
  moveAllToActiveOrBackoff(): void {
    this.moveRequestCycle = this.schedulingCycle;
    const parked = [...this.unschedulable.values()];
    this.unschedulable.clear();
    for (const q of parked) this.requeue(q);
  }

  counts(): QueueCounts {
    return {
      active: this.active.size,
      backoff: this.backoff.size,
      unschedulable: this.unschedulable.size,
      inFlight: this.inFlight.size,
    };
  }

  /** Backoff for a pod that has failed `attempts` times: initial * 2^(attempts-1), capped. */
  backoffMs(attempts: number): number {
    let d = this.opts.initialBackoffMs;
    for (let i = 1; i < attempts && d < this.opts.maxBackoffMs; i++) d *= 2;
    return Math.min(d, this.opts.maxBackoffMs);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.flushTimer);
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    for (const w of this.waiters) w(undefined);
    this.waiters = [];
  }

  private find(key: string): QueuedPod | undefined {
    if (this.activeKeys.has(key)) return this.active.values().find((q) => q.key === key);
    return this.backoff.get(key) ?? this.unschedulable.get(key);
  }

  private backoffExpiry(q: QueuedPod): number {
    return q.lastFailure + this.backoffMs(q.attempts);
  }

  private requeue(q: QueuedPod): void {
    if (q.attempts > 0 && this.backoffExpiry(q) > this.now()) this.pushBackoff(q);
    else this.pushActive(q);
  }

  private pushActive(q: QueuedPod): void {
    const w = this.waiters.shift();
    if (w) {
      this.markPopped(q);
      w(q);
      return;
    }
    this.activeKeys.add(q.key);
    this.active.push(q);
  }

  private takeActive(): QueuedPod | undefined {
    const q = this.active.pop();
    if (!q) return undefined;
    this.activeKeys.delete(q.key);
    this.markPopped(q);
    return q;
  }

  private markPopped(q: QueuedPod): void {
    q.attempts++;
    q.cycle = ++this.schedulingCycle;
    this.inFlight.set(q.key, q);
  }

  private pushBackoff(q: QueuedPod): void {
    this.backoff.set(q.key, q);
    this.armBackoffTimer();
  }

  private armBackoffTimer(): void {
    if (this.closed) return;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    let next = Number.POSITIVE_INFINITY;
    for (const q of this.backoff.values()) next = Math.min(next, this.backoffExpiry(q));
    if (next === Number.POSITIVE_INFINITY) return;
    this.backoffTimer = setTimeout(() => this.flushBackoff(), Math.max(0, next - this.now()));
  }

  private flushBackoff(): void {
    this.backoffTimer = undefined;
    const now = this.now();
    for (const [key, q] of this.backoff) {
      if (this.backoffExpiry(q) <= now) {
        this.backoff.delete(key);
        this.pushActive(q);
      }
    }
    this.armBackoffTimer();
  }

  private flushUnschedulableLeftover(): void {
    const now = this.now();
    for (const [key, q] of this.unschedulable) {
      if (now - q.lastFailure >= this.opts.maxUnschedulableMs) {
        this.unschedulable.delete(key);
        this.requeue(q);
      }
    }
  }
}

function schedulingRelevant(pod: Pod): string {
  return JSON.stringify([pod.spec, pod.metadata.labels ?? {}, pod.metadata.annotations ?? {}]);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
