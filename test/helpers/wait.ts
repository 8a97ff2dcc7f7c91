// Wait for a condition by polling it against a deadline (tests never sleep a fixed time).

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

export interface WaitOptions {
  /** Deadline, ms (default 10 s). */
  timeoutMs?: number;
  /** Poll period, ms (default 100 ms). */
  intervalMs?: number;
  /** What is awaited, for the error message. */
  what?: string;
}

/**
 * Calls fn until it returns a truthy value (returned) or the deadline passes. A throw counts as
 * "not yet"; the timeout error shows the last value or error observed.
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const shown = last instanceof Error ? `error: ${last.message}` : `value: ${safeJson(last)}`;
      throw new WaitTimeoutError(
        `timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'}; last ${shown}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function safeJson(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 2000 ? `${s.slice(0, 2000)}...` : s;
  } catch {
    return String(v);
  }
}

/**
 * Checks that fn stays truthy for durationMs (polled every intervalMs); throws at the first
 * falsy value. For "nothing bad happens for a while" properties, where a sleep would not check.
 */
export async function holdsFor(
  fn: () => unknown | Promise<unknown>,
  opts: { durationMs: number; intervalMs?: number; what?: string },
): Promise<void> {
  const end = Date.now() + opts.durationMs;
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (!v)
      throw new WaitTimeoutError(
        `${opts.what ?? 'condition'} stopped holding after ${Date.now() - t0} ms (value: ${safeJson(v)})`,
      );
    if (Date.now() >= end) return;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

/** waitFor with the description first: `waitUntil('pod bound', () => ..., 10_000)`. */
export function waitUntil<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  intervalMs = 10,
): Promise<NonNullable<T>> {
  return waitFor(fn, { what, timeoutMs, intervalMs });
}
