// Prometheus text-format registry (exposition format 0.0.4). Components register their
// metrics once and update them; GET /metrics renders all. Gauges may be computed at scrape
// time with a collect callback (e.g. the store revision).

export type Labels = Record<string, string>;

/** A character the exposition format escapes in label values. */
const NEEDS_ESCAPE = /[\\"\n]/;

function escapeLabelValue(v: string): string {
  // Most values (verbs, resources, codes) need none: one test instead of three replaces per update.
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function key(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let out = '';
  for (const k of names) out += `${out ? ',' : ''}${k}="${escapeLabelValue(String(labels[k]))}"`;
  return out;
}

function line(name: string, lk: string, v: number): string {
  return `${name}${lk ? `{${lk}}` : ''} ${Number.isFinite(v) ? v : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN'}`;
}

interface Metric {
  render(): string[] | Promise<string[]>;
}

export class Counter implements Metric {
  private values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels)) ?? 0;
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [k, v] of this.values) out.push(line(this.name, k, v));
    return out;
  }
}

/** A scrape-time value per label set (e.g. boards by state). */
export type LabeledValues = { labels: Labels; value: number }[];
export type Collect = () => number | LabeledValues | Promise<number | LabeledValues>;

export class Gauge implements Metric {
  private values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect?: Collect,
  ) {}
  set(v: number, labels: Labels = {}): void {
    this.values.set(key(labels), v);
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  dec(labels: Labels = {}, by = 1): void {
    this.inc(labels, -by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels)) ?? 0;
  }
  async render(): Promise<string[]> {
    if (this.collect) {
      try {
        const v = await this.collect();
        if (typeof v === 'number') this.values.set('', v);
        else this.values = new Map(v.map((x) => [key(x.labels), x.value]));
      } catch {
        // A failing collector (e.g. store closed) leaves the last value.
      }
    }
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [k, v] of this.values) out.push(line(this.name, k, v));
    return out;
  }
}

/** Default buckets in seconds, like client_golang's DefBuckets plus a few long ones. */
export const DEFAULT_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class Histogram implements Metric {
  private series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[] = DEFAULT_BUCKETS_SECONDS,
  ) {}
  observe(v: number, labels: Labels = {}): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) s.counts[i]++;
    s.sum += v;
    s.count++;
  }
  count(labels: Labels = {}): number {
    return this.series.get(key(labels))?.count ?? 0;
  }
  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : '';
      for (const [i, b] of this.buckets.entries())
        out.push(`${this.name}_bucket{${sep}le="${b}"} ${s.counts[i]}`);
      out.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      out.push(line(`${this.name}_sum`, k, s.sum));
      out.push(line(`${this.name}_count`, k, s.count));
    }
    return out;
  }
}

export class DuplicateMetricError extends Error {
  override name = 'DuplicateMetricError';
  constructor(metric: string) {
    super(`metric ${metric} is already registered`);
  }
}

/** The registry. `counter`/`gauge`/`histogram` create and register; names must be unique. */
export class Metrics {
  private metrics = new Map<string, Metric>();

  private add<T extends Metric>(name: string, m: T): T {
    if (this.metrics.has(name)) throw new DuplicateMetricError(name);
    this.metrics.set(name, m);
    return m;
  }
  counter(name: string, help: string): Counter {
    return this.add(name, new Counter(name, help));
  }
  gauge(name: string, help: string, collect?: Collect): Gauge {
    return this.add(name, new Gauge(name, help, collect));
  }
  histogram(name: string, help: string, buckets?: number[]): Histogram {
    return this.add(name, new Histogram(name, help, buckets));
  }
  /** Prometheus text exposition. */
  async render(): Promise<string> {
    const parts: string[] = [];
    for (const m of this.metrics.values()) parts.push(...(await m.render()));
    return `${parts.join('\n')}\n`;
  }
}
