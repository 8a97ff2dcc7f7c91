// The hubs an agent may use (several hubs sharing one NATS cluster, #8): it stays on one while
// the connection holds and moves to the next in the list when a connection attempt fails or an
// established connection drops, so a board whose hub died reaches another one on its next
// attempt. The agent's reconnect backoff (backoff.ts: exponential, full jitter) spaces the
// attempts, so a hub's boards do not all land on the next hub in the same instant.

export class HubList {
  private i = 0;

  constructor(private readonly urls: readonly string[]) {
    if (urls.length === 0) throw new Error('HubList needs at least one hub URL');
  }

  /** The hub to use now. */
  get current(): string {
    return this.urls[this.i]!;
  }

  get size(): number {
    return this.urls.length;
  }

  /** The current hub failed us: the next one (the same one when it is the only one). */
  next(): string {
    this.i = (this.i + 1) % this.urls.length;
    return this.current;
  }
}
