// One chaos case's record: what it did and what it checked, printed as it goes (`CHAOS <case>
// did: ...` / `checked: ...`) and, under `npm run chaos` (DROVER_CHAOS_RESULTS set), written as
// JSON for the README table (scripts/chaos.mjs). `npm test` runs the short form of every case;
// DROVER_CHAOS=full (what `npm run chaos` sets) the long one.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FULL = process.env.DROVER_CHAOS === 'full';

export interface ChaosResult {
  name: string;
  title: string;
  form: 'short' | 'full';
  did: string[];
  checked: string[];
  passed: boolean;
  durationMs: number;
  date: string;
}

export class ChaosCase {
  private readonly t0 = Date.now();
  private readonly r: ChaosResult;

  constructor(name: string, title: string) {
    this.r = {
      name,
      title,
      form: FULL ? 'full' : 'short',
      did: [],
      checked: [],
      passed: false,
      durationMs: 0,
      date: new Date().toISOString(),
    };
    console.log(`CHAOS ${name} (${this.r.form}): ${title}`);
  }

  did(what: string): void {
    this.r.did.push(what);
    console.log(`CHAOS ${this.r.name} did: ${what}`);
  }

  /** Records a check that held (call it after the assertion). */
  checked(what: string): void {
    this.r.checked.push(what);
    console.log(`CHAOS ${this.r.name} checked: ${what}`);
  }

  /** Marks the case passed and writes its record when results are collected. */
  pass(): void {
    this.r.passed = true;
    this.r.durationMs = Date.now() - this.t0;
    console.log(`CHAOS ${this.r.name} passed in ${(this.r.durationMs / 1000).toFixed(1)} s`);
    const dir = process.env.DROVER_CHAOS_RESULTS;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${this.r.name}.json`), `${JSON.stringify(this.r, null, 2)}\n`);
  }
}
