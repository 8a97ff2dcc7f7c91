// Controller expectations (upstream's ControllerExpectations / UIDTrackingControllerExpectations):
// a controller that created or deleted pods for a key records what it expects its informer to
// show, and does not create or delete for that key again until the informer has shown all of
// it, or until the expectations expire. Without this a watch that lags behind the writes it
// follows (an in-process fan-out queue, a NATS JetStream store) makes the next reconcile count
// too few pods and create again, or too many and delete again.
// Creations are counted (the pods have no name before they exist); deletions are tracked by
// pod key, so a pod seen terminating and then gone counts once.

/** After this long unmet expectations are dropped and the controller acts again (upstream 5 min). */
export const DEFAULT_EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Expected {
  creations: number;
  deletions: Set<string>;
  /** When the expectations were set, ms since epoch. */
  at: number;
}

export class Expectations {
  private readonly byKey = new Map<string, Expected>();

  constructor(
    private readonly timeoutMs = DEFAULT_EXPECTATIONS_TIMEOUT_MS,
    private readonly now: () => number = Date.now,
  ) {
    if (!(timeoutMs > 0)) throw new RangeError('expectations timeout must be > 0 ms');
  }

  /** True when the controller may act on key: nothing pending, or the expectations expired. */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.creations <= 0 && e.deletions.size === 0) return true;
    return this.now() - e.at > this.timeoutMs;
  }

  /** Before creating n pods for key. */
  expectCreations(key: string, n: number): void {
    const e = this.fresh(key);
    e.creations += n;
  }

  /** Before deleting these pods (their namespace/name keys) for key. */
  expectDeletions(key: string, podKeys: readonly string[]): void {
    const e = this.fresh(key);
    for (const k of podKeys) e.deletions.add(k);
  }

  /** The informer showed a pod created for key (or a create failed: it will never show). */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e && e.creations > 0) e.creations--;
  }

  /** The informer showed podKey terminating or gone (or its delete failed). */
  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.deletions.delete(podKey);
  }

  /** Forgets key (its owner is gone). */
  delete(key: string): void {
    this.byKey.delete(key);
  }

  /** What is still expected for key (for logs and tests). */
  pending(key: string): { creations: number; deletions: number } {
    const e = this.byKey.get(key);
    return { creations: Math.max(0, e?.creations ?? 0), deletions: e?.deletions.size ?? 0 };
  }

  /** Expectations for key, restarted when the old ones are met or expired. */
  private fresh(key: string): Expected {
    let e = this.byKey.get(key);
    if (!e || this.satisfied(key)) {
      e = { creations: 0, deletions: new Set(), at: this.now() };
      this.byKey.set(key, e);
    }
    return e;
  }
}
