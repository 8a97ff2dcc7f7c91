// At most `limit` connection attempts (dial to CONNACK, the TLS handshake's CPU) at once in one
// process. A real board has a CPU of its own for its handshake; thousands of hollow boards share
// one simulator process (bench/sim), where thousands of handshakes at once each get a sliver
// of that CPU and all miss the hub's CONNECT deadline together. The simulator gives its agents
// one gate per process so that its boards, like real ones, finish the handshakes they start;
// a lone agent has none. Waiting for the gate is not an attempt: the hub never sees it.

export class DialGate {
  private running = 0;
  /** Waiters by priority: first those that asked with first = true (a joined board's connect). */
  private readonly waiting: [(() => void)[], (() => void)[]] = [[], []];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`dial gate limit must be an integer >= 1, got ${limit}`);
  }

  /**
   * Resolves with a release function once an attempt may start; release is idempotent. first:
   * served before the others (a board that has joined connects before more boards join, so
   * joined boards become Ready instead of queueing behind every later join).
   */
  async acquire(first = false): Promise<() => void> {
    if (this.running >= this.limit) await new Promise<void>((r) => this.waiting[first ? 0 : 1].push(r));
    else this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting[0].shift() ?? this.waiting[1].shift();
      if (next)
        next(); // the slot passes on: running stays the same
      else this.running--;
    };
  }
}
