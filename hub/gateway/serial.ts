// Runs async tasks one at a time per key (per node), in arrival order, so two status reports
// of one node never race each other into a Conflict; different keys run concurrently.

export class KeyedSerial {
  private readonly tails = new Map<string, Promise<void>>();

  run(key: string, task: () => Promise<void>): Promise<void> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task).finally(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    this.tails.set(key, next);
    return next;
  }

  /** Whether a task of key is queued or running (one arriving now would wait for it). */
  busy(key: string): boolean {
    return this.tails.has(key);
  }

  /** Resolves when every queued task has settled. */
  async idle(): Promise<void> {
    while (this.tails.size) await Promise.allSettled([...this.tails.values()]);
  }
}
