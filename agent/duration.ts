// Human durations on the command line (`500ms`, `10s`, `2m`, `1h`), as Go and kubectl write them.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Milliseconds for `10s`-style strings; a bare number is taken as milliseconds. undefined if malformed. */
export function parseDurationMs(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = RE.exec(t);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
}

/** Shortest readable form: 1500 -> `1.5s`, 60000 -> `1m`, 250 -> `250ms`. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000 || ms % 60_000 !== 0) return `${+(ms / 1000).toFixed(3)}s`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${ms / 60_000}m`;
}
