// One benchmark's report: each figure is printed as it is measured, with its anchor and goal
// beside it, and the whole report is written to bench/results/<name>.json (gitignored), which
// scripts/bench.mjs turns into the README table.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Anchor } from './anchors.js';
import { describeMachine, type MachineInfo, machineInfo } from './machine.js';
import { fmt } from './stats.js';

export interface Figure {
  figure: string;
  /** NaN when it could not be measured (then note says why). */
  value: number;
  unit: string;
  anchor: string;
  goal: string;
  /** Whether the goal was met, when the goal is a checkable number. */
  met?: boolean;
  note?: string;
}

export interface BenchResult {
  name: string;
  title: string;
  /** The exact command that reproduces this result. */
  command: string;
  date: string;
  machine: MachineInfo;
  params: Record<string, unknown>;
  figures: Figure[];
  notes: string[];
}

/** Repository root, from dist/bench/lib/report.js. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function resultsDir(): string {
  return process.env.DROVER_BENCH_RESULTS ?? join(REPO_ROOT, 'bench', 'results');
}

export class BenchReport {
  readonly result: BenchResult;

  constructor(name: string, title: string, command: string, params: Record<string, unknown> = {}) {
    this.result = {
      name,
      title,
      command,
      date: new Date().toISOString(),
      machine: machineInfo(),
      params,
      figures: [],
      notes: [],
    };
    console.log(`\n== ${title}  (${command})`);
    console.log(`   machine: ${describeMachine(this.result.machine)}`);
  }

  /** Records a figure and prints it with its anchor. */
  add(
    figure: string,
    value: number,
    unit: string,
    anchor: Anchor,
    extra: { met?: boolean; note?: string } = {},
  ) {
    const f: Figure = { figure, value, unit, anchor: anchor.anchor, goal: anchor.goal, ...extra };
    this.result.figures.push(f);
    const verdict = f.met === undefined ? '' : f.met ? '  [goal met]' : '  [goal missed]';
    console.log(
      `   ${figure.padEnd(44)} ${`${fmt(value)} ${unit}`.padEnd(18)} anchor: ${f.anchor}${verdict}`,
    );
    if (f.goal) console.log(`   ${''.padEnd(44)} ${''.padEnd(18)} goal:   ${f.goal}`);
    if (f.note) console.log(`   ${''.padEnd(44)} ${''.padEnd(18)} note:   ${f.note}`);
    return f;
  }

  note(text: string): void {
    this.result.notes.push(text);
    console.log(`   note: ${text}`);
  }

  /** Writes bench/results/<name>.json and returns its path. */
  write(): string {
    const dir = resultsDir();
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${this.result.name}.json`);
    writeFileSync(path, `${JSON.stringify(this.result, null, 2)}\n`);
    console.log(`   result: ${path}`);
    return path;
  }
}
