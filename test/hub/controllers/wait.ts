// The hub tests' call shape (description first, 5 s default) over test/helpers/wait.ts.
import { waitUntil } from '../../helpers/wait.js';

export function waitFor<T>(
  what: string,
  cond: () => T | Promise<T>,
  timeoutMs = 5000,
  intervalMs = 10,
): Promise<NonNullable<T>> {
  return waitUntil(what, cond, timeoutMs, intervalMs);
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
