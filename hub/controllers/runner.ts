// Shared controller runner (controller-runtime style): a controller names a key; the runner
// owns the work queue and calls reconcile(key) on up to N workers, never the same key twice
// at once. Level-based: reconcile re-reads state, so a dropped or merged trigger is harmless.
//   error            -> retry with per-key exponential backoff
//   {requeueAfterMs} -> backoff reset, key re-added after the delay
//   {requeue: true}  -> retry with backoff
//   otherwise        -> backoff reset

import { createLogger, type Logger } from '../../shared/log.js';
import { type BackoffOptions, WorkQueue } from './queue.js';

export interface Result {
  requeueAfterMs?: number;
  requeue?: boolean;
}

export interface Controller {
  name: string;
  // void: a reconcile with nothing to say may be a plain `async (): Promise<void>`.
  // biome-ignore lint/suspicious/noConfusingVoidType: see above
  reconcile(key: string): Promise<Result | undefined | void>;
}

/** Delay that merges a burst of changes under one key into one reconcile, ms. */
export const DEFAULT_COALESCE_MS = 100;

export interface RunnerOptions extends BackoffOptions {
  /** Concurrent reconciles (distinct keys), default 1. */
  workers?: number;
  /** addCoalesced delay, ms; default DEFAULT_COALESCE_MS (100 ms). */
  coalesceMs?: number;
  log?: Logger;
}

export class Runner {
  private readonly queue: WorkQueue;
  private readonly workers: number;
  private readonly coalesceMs: number;
  private readonly log: Logger;
  private readonly inFlight = new Set<Promise<void>>();
  private started = false;
  private stopped = false;

  constructor(
    readonly controller: Controller,
    opts: RunnerOptions = {},
  ) {
    this.workers = opts.workers ?? 1;
    if (!Number.isInteger(this.workers) || this.workers < 1)
      throw new RangeError('workers must be an integer >= 1');
    this.coalesceMs = opts.coalesceMs ?? DEFAULT_COALESCE_MS;
    if (!Number.isFinite(this.coalesceMs) || this.coalesceMs < 0)
      throw new RangeError('coalesceMs must be >= 0');
    this.log = opts.log ?? createLogger(`controller/${controller.name}`);
    this.queue = new WorkQueue(() => this.pump(), { ...opts, name: controller.name });
  }

  /** Starts processing; keys added before start wait until then. */
  start(): void {
    this.started = true;
    this.pump();
  }

  add(key: string): void {
    this.queue.add(key);
  }

  addAfter(key: string, delayMs: number): void {
    this.queue.addAfter(key, delayMs);
  }

  /**
   * Adds key after the coalescing delay: the many pod changes of a rollout under one owner
   * become one reconcile (and one status write), not one each.
   */
  addCoalesced(key: string): void {
    this.queue.addAfter(key, this.coalesceMs);
  }

  /** Number of consecutive failures recorded for key (0 after a success). */
  failures(key: string): number {
    return this.queue.numFailures(key);
  }

  /** Keys waiting to be processed now. */
  pending(): number {
    return this.queue.len();
  }

  /** Nothing queued and nothing running (delayed re-adds may still be pending). */
  idle(): boolean {
    return this.queue.len() === 0 && this.inFlight.size === 0;
  }

  /** Stops taking work, cancels timers and waits for running reconciles to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.shutdown();
    await Promise.all([...this.inFlight]);
  }

  private pump(): void {
    if (!this.started || this.stopped) return;
    while (this.inFlight.size < this.workers) {
      const key = this.queue.get();
      if (key === undefined) return;
      const p: Promise<void> = this.process(key).finally(() => {
        this.inFlight.delete(p);
        this.queue.done(key);
        this.pump();
      });
      this.inFlight.add(p);
    }
  }

  private async process(key: string): Promise<void> {
    try {
      const r = (await this.controller.reconcile(key)) ?? undefined;
      if (r?.requeueAfterMs !== undefined && r.requeueAfterMs > 0) {
        this.queue.forget(key);
        this.queue.addAfter(key, r.requeueAfterMs);
      } else if (r?.requeue) {
        this.queue.addRateLimited(key);
      } else {
        this.queue.forget(key);
      }
    } catch (e) {
      const delay = this.queue.nextDelay(key);
      this.log.warn('reconcile failed; retrying', { key, error: e as Error, retryInMs: delay });
      this.queue.addAfter(key, delay);
    }
  }
}
