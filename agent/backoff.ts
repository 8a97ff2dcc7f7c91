// Reconnect delays with full jitter (AWS' "Exponential Backoff And Jitter"; client-go's backoff
// managers jitter by 1.0). Attempt 0, the first retry after a lost connection, waits uniformly
// in [0, min]: a fleet whose hub went away at one instant comes back spread over that window
// instead of in lockstep. Attempt k >= 1 follows a refused or timed-out attempt: it waits
// uniformly in [min, min(max, min * 2^k)], so it never retries at once and the window doubles
// until the hub admits it (the hub sheds what it cannot finish, hub/broker/admission.ts).

import { RECONNECT_MAX_MS, RECONNECT_MIN_MS } from '../shared/protocol/constants.js';

export class Backoff {
  private attempt = 0;
  constructor(
    private readonly minMs = RECONNECT_MIN_MS,
    private readonly maxMs = RECONNECT_MAX_MS,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt, ms; the window grows each call until reset(). */
  next(): number {
    const k = this.attempt++;
    const r = this.random();
    if (k === 0) return Math.round(r * this.minMs);
    const window = Math.min(this.maxMs, this.minMs * 2 ** Math.min(k, 30));
    return Math.round(this.minMs + r * (window - this.minMs));
  }

  reset(): void {
    this.attempt = 0;
  }
}
