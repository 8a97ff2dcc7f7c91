// Hard eviction thresholds, kubelet's `--eviction-hard` syntax: `signal<quantity` pairs joined
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
  const out: Threshold[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    if (!part) continue;
    const m = /^([a-z.]+)<(.+)$/.exec(part);
    if (!m)
      throw new ThresholdParseError(
        `${JSON.stringify(part)} is not signal<quantity, e.g. memory.available<100Mi`,
      );
    const signal = m[1] as Signal;
    if (!SIGNALS.includes(signal))
      throw new ThresholdParseError(`unknown signal ${JSON.stringify(m[1])}; known: ${SIGNALS.join(', ')}`);
    if (out.some((t) => t.signal === signal)) throw new ThresholdParseError(`${signal} is given twice`);
    const v = m[2].trim();
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(v);
    if (pct) {
      const f = Number(pct[1]) / 100;
      if (f > 1) throw new ThresholdParseError(`${signal}: ${v} is more than 100%`);
      out.push({ signal, fraction: f, text: v });
      continue;
    }
    const q = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(v);
    if (!q)
      throw new ThresholdParseError(
        `${signal}: ${JSON.stringify(v)} is not a quantity (100Mi, 1G, 500) or a percent (10%)`,
      );
    out.push({ signal, quantity: Number(q[1]) * SUFFIX[q[2] ?? ''], text: v });
  }
  if (out.length === 0) throw new ThresholdParseError('no threshold given');
  return out;
}

/** The threshold's amount for a signal whose capacity is `capacity`. */
export function thresholdAmount(t: Threshold, capacity: number): number {
  return t.fraction !== undefined ? t.fraction * capacity : (t.quantity ?? 0);
}
