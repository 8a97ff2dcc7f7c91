// Reads one Prometheus histogram from a /metrics text and estimates quantiles from the bucket
// counts between two scrapes (as PromQL's histogram_quantile does: linear within a bucket).

export interface Buckets {
  /** Upper bounds, ascending, +Inf last. */
  le: number[];
  /** Cumulative counts per bound. */
  counts: number[];
}

export function parseHistogram(text: string, name: string): Buckets {
  const le: number[] = [];
  const counts: number[] = [];
  const re = new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"\\} (\\d+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    le.push(m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]));
    counts.push(Number(m[2]));
  }
  return { le, counts };
}

/** q-quantile of the observations made between `before` and `after` (same buckets); NaN if none. */
export function quantileBetween(q: number, before: Buckets, after: Buckets): number {
  const counts = after.counts.map((c, i) => c - (before.counts[i] ?? 0));
  const total = counts[counts.length - 1] ?? 0;
  if (total <= 0) return Number.NaN;
  const rank = q * total;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] < rank) continue;
    const hi = after.le[i];
    const lo = i === 0 ? 0 : after.le[i - 1];
    if (!Number.isFinite(hi)) return lo; // in the +Inf bucket: the highest finite bound
    const below = i === 0 ? 0 : counts[i - 1];
    const inBucket = counts[i] - below;
    return inBucket > 0 ? lo + ((hi - lo) * (rank - below)) / inBucket : hi;
  }
  return Number.NaN;
}
