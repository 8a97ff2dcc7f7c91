// Eviction thresholds, kubelet's `--eviction-hard` / `--eviction-soft` syntax: `signal<quantity` pairs joined
// by commas, a quantity in bytes with a binary or decimal suffix (100Mi, 1G) or a percent of
// the capacity (10%). The defaults are the kubelet's; as on the kubelet, a flag that names any
// signal replaces all of them (an unnamed signal has no threshold). Pure.

export type Signal = 'memory.available' | 'nodefs.available' | 'imagefs.available' | 'pid.available';
export const SIGNALS: readonly Signal[] = [
  'memory.available',
  'nodefs.available',
  'imagefs.available',
  'pid.available',
];

export interface Threshold {
  signal: Signal;
  /** Absolute amount (bytes; a count for pid.available) ... */
  quantity?: number;
  /** ... or a fraction of the capacity, 0..1. */
  fraction?: number;
  /** As written, for messages. */
  text: string;
  /** A soft threshold acts only once met for this long, ms (--eviction-soft-grace-period). */
  gracePeriodMs?: number;
  /** Once met, it stays met until this much more is available (--eviction-minimum-reclaim). */
  minReclaim?: Amount;
}

/** An amount of a signal: absolute (bytes, or a count for PIDs) or a fraction of the capacity. */
export interface Amount {
  quantity?: number;
  fraction?: number;
}

export const DEFAULT_EVICTION_HARD =
  'memory.available<100Mi,nodefs.available<10%,imagefs.available<15%,pid.available<10%';

export class ThresholdParseError extends Error {
  override name = 'ThresholdParseError';
}

const SUFFIX: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
};

export function parseEvictionHard(text: string): Threshold[] {
  const out = parseThresholds(text);
  if (out.length === 0) throw new ThresholdParseError('no threshold given');
  return out;
}

/** `signal<quantity` pairs (--eviction-hard / --eviction-soft syntax); empty text: none. */
export function parseThresholds(text: string): Threshold[] {
  const out: Threshold[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    if (!part) continue;
    const m = /^([a-z.]+)<(.+)$/.exec(part);
    if (!m)
      throw new ThresholdParseError(
        `${JSON.stringify(part)} is not signal<quantity, e.g. memory.available<100Mi`,
      );
    const signal = knownSignal(m[1]);
    if (out.some((t) => t.signal === signal)) throw new ThresholdParseError(`${signal} is given twice`);
    out.push({ signal, ...parseAmount(signal, m[2].trim()), text: m[2].trim() });
  }
  return out;
}

function knownSignal(s: string): Signal {
  if (!SIGNALS.includes(s as Signal))
    throw new ThresholdParseError(`unknown signal ${JSON.stringify(s)}; known: ${SIGNALS.join(', ')}`);
  return s as Signal;
}

function parseAmount(signal: Signal, v: string): Amount {
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(v);
  if (pct) {
    const f = Number(pct[1]) / 100;
    if (f > 1) throw new ThresholdParseError(`${signal}: ${v} is more than 100%`);
    return { fraction: f };
  }
  const q = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(v);
  if (!q)
    throw new ThresholdParseError(
      `${signal}: ${JSON.stringify(v)} is not a quantity (100Mi, 1G, 500) or a percent (10%)`,
    );
  return { quantity: Number(q[1]) * SUFFIX[q[2] ?? ''] };
}

/** `signal=value` pairs (--eviction-soft-grace-period, --eviction-minimum-reclaim). */
function parsePairs<T>(text: string, value: (signal: Signal, v: string) => T): Map<Signal, T> {
  const out = new Map<Signal, T>();
  for (const part of text.split(',').map((p) => p.trim())) {
    if (!part) continue;
    const m = /^([a-z.]+)=(.+)$/.exec(part);
    if (!m) throw new ThresholdParseError(`${JSON.stringify(part)} is not signal=value`);
    const signal = knownSignal(m[1]);
    if (out.has(signal)) throw new ThresholdParseError(`${signal} is given twice`);
    out.set(signal, value(signal, m[2].trim()));
  }
  return out;
}

/**
 * Soft thresholds with their grace periods; as the kubelet, each soft threshold needs a grace
 * period and a grace period needs its soft threshold.
 */
export function parseEvictionSoft(
  soft: string,
  grace: string,
  parseDuration: (text: string) => number | undefined,
): Threshold[] {
  const periods = parsePairs(grace, (signal, v) => {
    const ms = parseDuration(v);
    if (ms === undefined || ms < 0)
      throw new ThresholdParseError(
        `${signal}: ${JSON.stringify(v)} is not a duration (1m30s is written 90s)`,
      );
    return ms;
  });
  const out = parseThresholds(soft).map((t) => {
    const g = periods.get(t.signal);
    if (g === undefined)
      throw new ThresholdParseError(
        `grace period must be specified for the soft eviction threshold ${t.signal}`,
      );
    return { ...t, gracePeriodMs: g };
  });
  for (const s of periods.keys())
    if (!out.some((t) => t.signal === s))
      throw new ThresholdParseError(
        `grace period specified for the soft eviction threshold ${s}, but the threshold is not specified`,
      );
  return out;
}

/** Adds --eviction-minimum-reclaim amounts to the thresholds of their signals. */
export function withMinimumReclaim(thresholds: Threshold[], text: string): Threshold[] {
  const reclaim = parsePairs(text, parseAmount);
  return thresholds.map((t) => (reclaim.has(t.signal) ? { ...t, minReclaim: reclaim.get(t.signal) } : t));
}

/** The threshold's amount for a signal whose capacity is `capacity`. */
export function thresholdAmount(t: Amount, capacity: number): number {
  return t.fraction !== undefined ? t.fraction * capacity : (t.quantity ?? 0);
}
