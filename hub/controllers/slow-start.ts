// Slow-start batches (upstream controller.slowStartBatch): run `count` calls in batches of 1, 2,
// 4, ... at once, stopping at the first batch with a failure. A quota or validation error then
// costs one call, not hundreds, while a healthy burst runs with many writes in flight (which
// the store commits together). Returns how many succeeded and the first error.

/** First batch size (upstream SlowStartInitialBatchSize). */
export const SLOW_START_INITIAL_BATCH = 1;

export async function slowStartBatch(
  count: number,
  fn: (i: number) => Promise<void>,
): Promise<{ succeeded: number; skipped: number; error?: unknown }> {
  let done = 0;
  let succeeded = 0;
  for (let size = Math.min(count, SLOW_START_INITIAL_BATCH); size > 0; ) {
    const start = done;
    const results = await Promise.allSettled(Array.from({ length: size }, (_, j) => fn(start + j)));
    done += size;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    succeeded += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { succeeded, skipped: count - done, error: failed.reason };
    size = Math.min(2 * size, count - done);
  }
  return { succeeded, skipped: 0 };
}
