// Load shedding for connection attempts. A connection is "connecting" from TCP accept until
// its CONNACK (or its close): the TLS handshake, the CONNECT and the credential check, the
// expensive part of a board's return. At most `bound` are connecting at once; a socket
// accepted beyond that is closed at once, before any TLS or MQTT work, so the ones admitted
// finish well inside the CONNECT deadline instead of all of them timing out together (a
// saturated hub that starts every handshake finishes none: the reconnect storm of #21).
// A board whose attempt was shed retries after its backoff (agent/backoff.ts), as a client
// of an overloaded kube-apiserver does after a 429 from its max-inflight filter.
// The bound alone does not see a hub whose whole event loop runs late (a starved CPU): its
// sockets wait in the kernel's accept queue, the clients' timers run out there, and the hub
// then spends a TLS handshake on each dead one. So while the loop runs more than maxLagMs late
// (loop-lag.ts; the broker passes the CONNECT deadline) every new attempt is shed as well,
// until the loop has caught up.
// One log line when a burst of shedding starts and one when it ends (with its count), not a
// line per shed socket.

import type { Logger } from '../../shared/log.js';

/** Why an attempt was shed. */
export type ShedReason = 'bound' | 'loop-lag';

/** A burst ends after this long without a shed attempt, ms. */
export const SHED_BURST_QUIET_MS = 1_000;

export interface AdmissionStats {
  /** Connections between accept and CONNACK now. */
  connecting: number;
  /** Connection attempts closed at accept because `connecting` was at its bound, since start. */
  shed: number;
  /** Bursts of shedding since start. */
  bursts: number;
  /** Of shed: those shed because the event loop ran more than maxLagMs late. */
  shedForLag: number;
  /** When an attempt was last shed, ms since epoch (undefined: never). */
  lastShedAtMs?: number;
}

export class ConnectAdmission {
  private connecting = 0;
  private shed = 0;
  private shedForLag = 0;
  private bursts = 0;
  private burstShed = 0;
  private burstStartMs = 0;
  private lastShedAtMs?: number;
  private quietTimer?: NodeJS.Timeout;

  constructor(
    readonly bound: number,
    private readonly log: Logger,
    /** The event loop's lateness now, ms, and the most it may be for an attempt to be admitted. */
    private readonly lag?: { lagMs(): number; maxLagMs: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** A socket spoke: its release function, or undefined when it must be closed (shed). */
  admit(): (() => void) | undefined {
    if (this.connecting >= this.bound) {
      this.noteShed('bound');
      return undefined;
    }
    if (this.lag && this.lag.lagMs() > this.lag.maxLagMs) {
      this.shedForLag++;
      this.noteShed('loop-lag');
      return undefined;
    }
    this.connecting++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.connecting--;
    };
  }

  stats(): AdmissionStats {
    return {
      connecting: this.connecting,
      shed: this.shed,
      shedForLag: this.shedForLag,
      bursts: this.bursts,
      ...(this.lastShedAtMs !== undefined ? { lastShedAtMs: this.lastShedAtMs } : {}),
    };
  }

  /** Stops the burst timer (logs the burst in progress). */
  close(): void {
    if (this.quietTimer) this.endBurst();
  }

  private noteShed(reason: ShedReason): void {
    const t = this.now();
    this.shed++;
    this.burstShed++;
    this.lastShedAtMs = t;
    if (this.quietTimer) return; // the burst's timer looks again when it fires
    this.bursts++;
    this.burstShed = 1;
    this.burstStartMs = t;
    this.log.warn(
      'shedding connection attempts: the hub cannot finish more now; boards retry after their backoff',
      {
        reason,
        connecting: this.connecting,
        max: this.bound,
        ...(this.lag ? { loopLagMs: Math.round(this.lag.lagMs()), maxLoopLagMs: this.lag.maxLagMs } : {}),
      },
    );
    this.armQuietTimer(SHED_BURST_QUIET_MS);
  }

  /** Ends the burst once SHED_BURST_QUIET_MS pass without a shed (one timer per burst, not per shed). */
  private armQuietTimer(ms: number): void {
    this.quietTimer = setTimeout(() => {
      const quietFor = this.now() - (this.lastShedAtMs ?? 0);
      if (quietFor >= SHED_BURST_QUIET_MS) this.endBurst();
      else this.armQuietTimer(SHED_BURST_QUIET_MS - quietFor);
    }, ms);
    this.quietTimer.unref();
  }

  private endBurst(): void {
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.log.info('shedding ended', {
      shed: this.burstShed,
      overMs: (this.lastShedAtMs ?? this.burstStartMs) - this.burstStartMs,
      shedSinceStart: this.shed,
    });
  }
}
