// Benchmark command-line options: `--name value` pairs with durations (`60s`) and numbers.

import { parseDurationMs } from '../../agent/duration.js';

export class BenchArgError extends Error {
  override name = 'BenchArgError';
}

export class BenchArgs {
  private readonly values = new Map<string, string>();

  constructor(argv: string[] = process.argv.slice(2)) {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (!a.startsWith('--')) throw new BenchArgError(`unexpected argument ${JSON.stringify(a)}`);
      const eq = a.indexOf('=');
      if (eq > 0) this.values.set(a.slice(2, eq), a.slice(eq + 1));
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) this.values.set(a.slice(2), argv[++i]);
      else this.values.set(a.slice(2), 'true');
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string, dflt: string): string {
    return this.values.get(name) ?? dflt;
  }

  number(name: string, dflt: number): number {
    const v = this.values.get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new BenchArgError(`--${name} must be a number, got ${JSON.stringify(v)}`);
    return n;
  }

  /** Milliseconds from `500ms`, `10s`, `10m`; a bare number is milliseconds. */
  durationMs(name: string, dfltMs: number): number {
    const v = this.values.get(name);
    if (v === undefined) return dfltMs;
    const ms = parseDurationMs(v);
    if (ms === undefined)
      throw new BenchArgError(`--${name} must be a duration such as 60s or 10m, got ${JSON.stringify(v)}`);
    return ms;
  }

  /** Comma-separated numbers, e.g. `--steps 1000,2500`. */
  numbers(name: string, dflt: number[]): number[] {
    const v = this.values.get(name);
    if (v === undefined) return dflt;
    const out = v.split(',').map(Number);
    if (out.some((n) => !Number.isFinite(n))) throw new BenchArgError(`--${name} must be numbers a,b,c`);
    return out;
  }
}
