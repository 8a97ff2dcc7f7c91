// Closed-loop load: N concurrent writers, each issuing its next write when the previous one
// answered, for a fixed duration (bounded by a maximum count). Latency per write in ms.

import { performance } from 'node:perf_hooks';

export interface LoadResult {
  count: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  latenciesMs: number[];
}

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  /** Upper bound on writes, so a very fast target cannot run away with memory. */
  maxOps: number;
}

export async function runLoad(op: (seq: number) => Promise<void>, opts: LoadOptions): Promise<LoadResult> {
  const latenciesMs: number[] = [];
  let seq = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + opts.durationMs;
  const worker = async () => {
    while (performance.now() < deadline && seq < opts.maxOps) {
      const n = seq++;
      const t0 = performance.now();
      try {
        await op(n);
        latenciesMs.push(performance.now() - t0);
      } catch (e) {
        errors++;
        firstError ??= (e as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { count: latenciesMs.length, errors, firstError, elapsedMs: performance.now() - start, latenciesMs };
}
