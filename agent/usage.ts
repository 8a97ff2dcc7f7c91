// What the board is using now, for the status report: CPU busy share since the previous sample
// (from os.cpus() tick counters, so no sampling wait) and memory in use (total - MemAvailable,
// as `free` counts it; os.freemem() where /proc/meminfo is missing). A few lines of our own
// instead of a package: the agent loads nothing it can do without (issue 13, footprint).

import { cpus, freemem, totalmem } from 'node:os';
import { readKernelFile } from './kernel-file.js';

export interface Usage {
  /** 0..100, all CPUs together. */
  cpuPercent?: number;
  memoryBytes?: number;
}

export interface Ticks {
  busy: number;
  total: number;
}

export function ticks(): Ticks | undefined {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times;
    const all = t.user + t.nice + t.sys + t.idle + t.irq;
    total += all;
    busy += all - t.idle;
  }
  return total > 0 ? { busy, total } : undefined;
}

/** Percent busy between two tick samples, one decimal. Pure. */
export function busyPercent(a: Ticks, b: Ticks): number | undefined {
  const total = b.total - a.total;
  if (!(total > 0)) return undefined;
  return Math.round((1000 * Math.max(0, b.busy - a.busy)) / total) / 10;
}

/** MemAvailable from /proc/meminfo text, bytes. Pure. */
export function memAvailableBytes(meminfo: string): number | undefined {
  const kb = /^MemAvailable:\s+(\d+)\s+kB/m.exec(meminfo)?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/** Ticks at the previous sample (module-wide: one agent per process). */
let last: Ticks | undefined = ticks();

export async function sampleUsage(): Promise<Usage> {
  const out: Usage = {};
  const now = ticks();
  if (now && last) {
    const p = busyPercent(last, now);
    if (p !== undefined) out.cpuPercent = p;
  }
  if (now) last = now;
  out.memoryBytes = await sampleMemoryBytes();
  return out;
}

/** Memory in use now (total - MemAvailable), bytes. */
export async function sampleMemoryBytes(): Promise<number> {
  let available: number | undefined;
  try {
    available = memAvailableBytes(readKernelFile('/proc/meminfo'));
  } catch {
    // not Linux: os.freemem() below
  }
  return Math.max(0, totalmem() - (available ?? freemem()));
}
