// A dial gate that also paces: attempts start at most one per intervalMs in the process (each
// still holds its slot until CONNACK or close). The simulator's boards then come back at a fixed
// pace however fast the hub takes them, as a fleet behind a slow uplink or on a busy machine
// does (test/chaos/hub-restart-fleet.test.ts: a return longer than the hub's start-up grace).

import { DialGate } from '../../agent/dial-gate.js';

export class PacedDialGate extends DialGate {
  /** When the next attempt may start, ms since epoch. */
  private nextAt = 0;

  constructor(
    limit: number,
    private readonly intervalMs: number,
  ) {
    super(limit);
    if (!(intervalMs > 0)) throw new RangeError(`dial pace interval must be > 0 ms, got ${intervalMs}`);
  }

  override async acquire(first = false): Promise<() => void> {
    const release = await super.acquire(first);
    const now = Date.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + this.intervalMs;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
    return release;
  }
}
