// Crash-loop and image-pull backoff arithmetic (kubelet's rules), pure: the manager keeps one
// entry per container (or per image) and asks when the next attempt may run.

export interface BackoffConfig {
  /** First delay, ms (kubelet: 10 s). */
  initialMs: number;
  /** Largest delay, ms (kubelet: 5 min). */
  maxMs: number;
  /** A container that ran at least this long resets its backoff, ms (kubelet: 10 min). */
  resetAfterRunMs: number;
}

export const DEFAULT_CRASH_BACKOFF: BackoffConfig = {
  initialMs: 10_000,
  maxMs: 300_000,
  resetAfterRunMs: 600_000,
};
export const DEFAULT_IMAGE_BACKOFF: BackoffConfig = {
  initialMs: 10_000,
  maxMs: 300_000,
  resetAfterRunMs: 600_000,
};

export interface BackoffEntry {
  /** What failed (container id, or a pull attempt key): a failure is counted once. */
  failureKey: string;
  /** When it failed, ms since epoch. */
  failedAt: number;
  /** Wait after failedAt before the next attempt, ms. */
  delayMs: number;
}

/**
 * The entry after a failure. `ranForMs` is how long the failed thing ran (0 for pulls); a long
 * enough run, or a previous failure older than twice the max delay, starts over at initialMs.
 * Calling it again with the same failureKey returns prev unchanged (idempotent per failure).
 */
export function recordFailure(
  prev: BackoffEntry | undefined,
  failureKey: string,
  failedAt: number,
  ranForMs: number,
  cfg: BackoffConfig,
): BackoffEntry {
  if (prev && prev.failureKey === failureKey) return prev;
  const fresh = !prev || ranForMs >= cfg.resetAfterRunMs || failedAt - prev.failedAt > 2 * cfg.maxMs;
  const delayMs = fresh ? cfg.initialMs : Math.min(cfg.maxMs, prev.delayMs * 2);
  return { failureKey, failedAt, delayMs };
}

/** When the next attempt may start, ms since epoch. */
export function retryAt(e: BackoffEntry): number {
  return e.failedAt + e.delayMs;
}

/** Kubelet's duration text: `10s`, `2m40s`, `5m0s`, `500ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60}s`;
  return `${Math.floor(m / 60)}h${m % 60}m${s % 60}s`;
}
