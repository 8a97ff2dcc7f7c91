// How late this process's event loop runs now, ms: a timer due every intervalMs notes how late
// it fired, and between firings the time since the last one counts too (a loop stalled right
// now shows at once, not at the next firing). A hub whose loop runs seconds late (a starved
// CPU, a backlog of reports) cannot finish a connection it accepts now inside the CONNECT
// deadline: its client's own timer started before the accept queue wait (admission.ts).

/** Sampling interval, ms. */
export const LOOP_LAG_INTERVAL_MS = 250;

export class LoopLag {
  private lastTickMs: number;
  private lastLagMs = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly intervalMs = LOOP_LAG_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.lastTickMs = now();
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  /** The loop's lateness now, ms: the last firing's, or the current wait past the due time if larger. */
  lagMs(): number {
    return Math.max(this.lastLagMs, this.now() - this.lastTickMs - this.intervalMs);
  }

  /** Called by the timer; public for tests with an injected clock. */
  tick(): void {
    const t = this.now();
    this.lastLagMs = Math.max(0, t - this.lastTickMs - this.intervalMs);
    this.lastTickMs = t;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
