// How loaded the machine was while a benchmark ran (the machine is shared): the 1-minute load
// average sampled every few seconds and the whole machine's CPU busy share from /proc/stat.
// Latency and footprint figures are only comparable with this beside them.

import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fmt, max, mean } from './stats.js';

/** Sampling period of the load average, ms. */
const SAMPLE_MS = 5_000;

function cpuTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

export class MachineLoad {
  private readonly loads: number[] = [];
  private readonly start = cpuTicks();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  private sample(): void {
    this.loads.push(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));
  }

  /** e.g. `load average (1 min) mean 6.1, max 9.3 on 2 cores; CPU 93% busy` since construction. */
  describe(): string {
    this.sample();
    const now = cpuTicks();
    const busy = (100 * (now.busy - this.start.busy)) / Math.max(1, now.total - this.start.total);
    return `load average (1 min) mean ${fmt(mean(this.loads))}, max ${fmt(max(this.loads))} on ${cpus().length} cores; all CPUs ${fmt(busy)}% busy`;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
