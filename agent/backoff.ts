// Reconnect delays: exponential from min to max with +-25% jitter, so a fleet that lost its hub
// does not reconnect in lockstep when it comes back.

import {
  RECONNECT_JITTER_FRACTION,
  RECONNECT_MAX_MS,
  RECONNECT_MIN_MS,
} from '../shared/protocol/constants.js';

export const JITTER_FRACTION = RECONNECT_JITTER_FRACTION;

export class Backoff {
  private attempt = 0;
  constructor(
    private readonly minMs = RECONNECT_MIN_MS,
    private readonly maxMs = RECONNECT_MAX_MS,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt, ms; grows each call until reset(). */
  next(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const jitter = 1 + JITTER_FRACTION * (2 * this.random() - 1);
    return Math.round(Math.min(this.maxMs, base * jitter));
  }

  reset(): void {
    this.attempt = 0;
  }
}
