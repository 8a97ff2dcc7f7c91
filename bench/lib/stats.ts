// Small statistics for benchmark figures: percentiles over latency samples, rates, ratios.

/** The q-th quantile (0..1) of samples by nearest rank; NaN for no samples. Does not mutate. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

export function max(samples: readonly number[]): number {
  return samples.length === 0 ? Number.NaN : samples.reduce((a, b) => Math.max(a, b), -Infinity);
}

export function mean(samples: readonly number[]): number {
  return samples.length === 0 ? Number.NaN : samples.reduce((a, b) => a + b, 0) / samples.length;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** p50/p99/max of latencies (whatever unit they came in). */
export function summarize(samples: readonly number[]): LatencySummary {
  return {
    count: samples.length,
    p50: quantile(samples, 0.5),
    p99: quantile(samples, 0.99),
    max: max(samples),
  };
}

/** a / b, NaN when b is 0 or either is not finite. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN;
}

/** Operations per second for count operations over elapsedMs. */
export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : Number.NaN;
}

/** Rounds to a readable number of significant digits for tables (3 by default). */
export function fmt(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (Math.abs(n) >= 10 ** digits) return String(Math.round(n));
  return String(Number(n.toPrecision(digits)));
}
