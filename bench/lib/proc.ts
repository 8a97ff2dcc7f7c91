// CPU and memory of another process from /proc (Linux): what the fleet benchmark reports for the hub.

import { readdirSync, readFileSync } from 'node:fs';

/** Kernel clock ticks per second (USER_HZ); 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_S = 100;

export interface ProcSample {
  /** user + system CPU time so far, ms. */
  cpuMs: number;
  /** Resident set size, bytes. */
  rssBytes: number;
  at: number;
}

export function sampleProc(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return { cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_S, rssBytes: rssKb * 1024, at: Date.now() };
}

/** CPU use between two samples as a percentage of one core. */
export function cpuPercent(a: ProcSample, b: ProcSample): number {
  const wall = b.at - a.at;
  return wall > 0 ? ((b.cpuMs - a.cpuMs) / wall) * 100 : Number.NaN;
}

/**
 * CPU time of all of a process's threads so far, ns, from /proc/<pid>/task/<tid>/schedstat
 * (the scheduler's run time: nanoseconds, where utime+stime count 10 ms ticks). Threads that
 * ended before the call are not counted: compare samples of long-lived processes only.
 */
export function cpuNs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns;
}
