// Work queue with client-go semantics: a key queued while queued is one item; a key re-added
// while being processed is processed again after done(); delayed adds keep only the earliest
// pending timer per key; per-key exponential backoff for rate-limited adds.

import { DueKeys } from './due-keys.js';
import { type QueueMetrics, queueMetrics } from './queue-metrics.js';

export interface BackoffOptions {
  /** First retry delay, ms (client-go: 5 ms). */
  baseDelayMs?: number;
  /** Retry delay cap, ms (client-go: 1000 s). */
  maxDelayMs?: number;
}

export const DEFAULT_BASE_DELAY_MS = 5;
export const DEFAULT_MAX_DELAY_MS = 1_000_000;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  /** Delayed adds, behind one timer (a Timeout per key cost ~0.27 KiB: due-keys.ts). */
  private readonly delayed = new DueKeys((key) => this.add(key));
  private readonly failures = new Map<string, number>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private shutDown = false;
  private readonly metrics: QueueMetrics;

  /** onReady is called whenever an item may have become available to get(). */
  constructor(
    private readonly onReady: () => void,
    opts: BackoffOptions & { name?: string } = {},
  ) {
    this.metrics = queueMetrics(opts.name);
    this.baseDelayMs = opts.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.maxDelayMs = opts.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  }

  add(key: string): void {
    if (this.shutDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.metrics.added(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.metrics.depth(this.queue.length);
    this.onReady();
  }

  /** Adds key after delayMs; an earlier pending timer for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shutDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing !== undefined && existing <= at) return;
    this.delayed.schedule(key, at);
  }

  /** Adds key after its backoff delay (base * 2^failures, capped) and counts a failure. */
  addRateLimited(key: string): void {
    this.metrics.retried();
    this.addAfter(key, this.nextDelay(key));
  }

  nextDelay(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.baseDelayMs * 2 ** n, this.maxDelayMs);
  }

  /** Resets key's backoff (after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numFailures(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Next key to process, or undefined when none is ready. */
  get(): string | undefined {
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    this.processing.add(key);
    this.dirty.delete(key);
    this.metrics.taken(key, this.queue.length);
    return key;
  }

  done(key: string): void {
    this.processing.delete(key);
    this.metrics.finished(key);
    if (this.dirty.has(key) && !this.shutDown) {
      this.queue.push(key);
      this.metrics.depth(this.queue.length);
      this.onReady();
    }
  }

  /** Items waiting (not processing, not delayed). */
  len(): number {
    return this.queue.length;
  }

  hasTimer(key: string): boolean {
    return this.delayed.get(key) !== undefined;
  }

  shutdown(): void {
    this.shutDown = true;
    this.delayed.clear();
    this.queue.length = 0;
    this.dirty.clear();
  }
}
