// A token bucket per key (the EventRateLimit admission plugin's shape: qps refills, burst is
// the bucket size), for the events each node may send. Buckets of keys not seen for a while
// are full again anyway, so the map is bounded by forgetting the least recently used.

/** Keys (nodes) remembered by default; a forgotten one starts again with a full bucket. */
const DEFAULT_MAX_KEYS = 100_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class KeyedTokenBucket {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    /** Tokens added per second. */
    private readonly qps: number,
    /** Bucket size, tokens. */
    private readonly burst: number,
    /** Keys remembered, least recently used forgotten first. */
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {}

  /** Takes one token for key; false when the bucket is empty. */
  take(key: string, nowMs = Date.now()): boolean {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: nowMs };
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.at) / 1000) * this.qps);
    b.at = nowMs;
    this.buckets.delete(key);
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
