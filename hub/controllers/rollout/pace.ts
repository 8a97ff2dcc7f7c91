// A Rollout's pace (spec.maxPerMinute, or its wave's), pure: a token bucket of board starts,
// as AWS IoT Jobs' rolloutConfig.maximumPerMinute limits how many devices are notified a
// minute. Tokens come at perMinute/60 a second and are spent as boards start their update; the
// bucket holds at most PACE_BURST_SECONDS' worth, so a paused or waiting rollout does not save
// up a burst larger than that (a rollout that resumes after an hour starts as it would after
// five seconds). That hold also covers reconciles spaced by the coalescing (1 s at 10,000
// boards, longer under load): tokens that come between two are not lost, so the rate is met.
// Only starting an update is paced; a rollback or abort moves every board back at once.
// The bucket lives in the controller's memory, not in the Rollout's status: a hub that
// restarts (or a new leader) starts with a full bucket, at most one burst more.

/** The bucket holds this many seconds of the rate (at least one board). */
export const PACE_BURST_SECONDS = 5;

export interface PaceState {
  /** Board starts available, fractional. */
  tokens: number;
  /** When tokens was computed, ms since epoch. */
  at: number;
}

/** The most boards started at once at this rate. */
export function paceBurst(perMinute: number): number {
  return Math.max(1, Math.floor((perMinute * PACE_BURST_SECONDS) / 60));
}

/** The bucket at now: full when new, refilled for the time since, never above the burst. */
export function refill(s: PaceState | undefined, perMinute: number, now: number): PaceState {
  const burst = paceBurst(perMinute);
  if (!s) return { tokens: burst, at: now };
  // A clock that stepped back adds nothing (and takes nothing).
  const elapsed = Math.max(0, now - s.at);
  return { tokens: Math.min(burst, s.tokens + (elapsed * perMinute) / 60_000), at: Math.max(now, s.at) };
}

export interface PaceGrant {
  /** Boards that may start now, <= wanted. */
  granted: number;
  state: PaceState;
  /** When the next board may start, when some wanted were not granted. */
  wakeAt?: number;
}

/** Takes up to wanted board starts from the bucket at now. */
export function takeStarts(
  s: PaceState | undefined,
  perMinute: number,
  wanted: number,
  now: number,
): PaceGrant {
  const r = refill(s, perMinute, now);
  const granted = Math.max(0, Math.min(wanted, Math.floor(r.tokens)));
  const state = { tokens: r.tokens - granted, at: r.at };
  if (granted >= wanted) return { granted, state };
  const wakeAt = state.at + Math.ceil(((1 - state.tokens) * 60_000) / perMinute);
  return { granted, state, wakeAt };
}

/** The pace of every Rollout of a controller, by key. */
export class Paces {
  private readonly held = new Map<string, PaceState>();

  /** takeStarts on key's bucket, kept for the next call. */
  take(key: string, perMinute: number, wanted: number, now: number): PaceGrant {
    const g = takeStarts(this.held.get(key), perMinute, wanted, now);
    this.held.set(key, g.state);
    return g;
  }

  forget(key: string): void {
    this.held.delete(key);
  }
}
