// When the hub gives V8's emptied old-generation pages back (hub/heap-give-back.ts): defaults
// with their units.

export interface HeapGiveBackOptions {
  /** How often the hub samples its event loop and heap, ms. */
  sampleIntervalMs: number;
  /** Event-loop utilization (0 to 1) of a sample under which the hub counts as calm. */
  calmUtilization: number;
  /** How long the hub must have been calm before a give-back, ms. */
  calmMs: number;
  /** Old space may grow by less than this between two samples for the second to count as calm, bytes. */
  calmGrowthBytes: number;
  /**
   * A give-back whose pause would likely be longer is not run, ms. The estimate: old space
   * committed times the pause per MiB the last give-back took (pauseMsPerMiB before the first).
   */
  maxPauseMs: number;
  /** The pause per MiB of old space committed assumed before a give-back has measured its own, ms. */
  pauseMsPerMiB: number;
  /** Old space committed above what the last give-back left that makes the next worth it, bytes. */
  minGrowthBytes: number;
  /** ...and as a share of what the last give-back left (a large live heap grows by more between V8's GCs). */
  minGrowthRatio: number;
  /** Least time between two give-backs, ms (growth is the gate; this bounds a pathological case). */
  minIntervalMs: number;
  /**
   * How long after the GC malloc_trim runs, ms: V8 frees the dead ArrayBuffers' and external
   * objects' malloc memory after the GC, partly on a background thread (at 2,000 boards + 2,400
   * pods malloc's free bytes went 11 -> 28 MB within milliseconds of it), and a trim in the same
   * tick found little of that free yet.
   */
  mallocTrimDelayMs: number;
}

export const HEAP_GIVE_BACK_DEFAULTS: HeapGiveBackOptions = {
  sampleIntervalMs: 1_000, // 1 s
  calmUtilization: 0.3,
  // 10 s, one heartbeat interval of calm: an operation that pauses between its steps (rollout
  // waves, a DaemonSet's slow boards) pays no compaction pause in a lull, and the give-back's
  // CPU (0.3-2 s of a compacting GC at 10,000 boards) lands once the hub is idle, not in its
  // last seconds of work (V8's own memory reducer waits 8 s for the same reason). At 3 s it fell
  // in the 10 s after a fleet's last pod ran: 30.8% of a core there against < 30% (issue #21).
  calmMs: 10_000,
  // 8 MiB a sample: heartbeats at 10,000 boards promote a few MB a second; a Deployment or a
  // DaemonSet just created grows old space by tens of MB in its first second, while the event
  // loop's share of that second may still read calm (a give-back fired there: 1.4 s of pause
  // 1 s into a DaemonSet on 10,000 boards).
  calmGrowthBytes: 8 * 2 ** 20,
  // No limit for a hub on its own; a hub that leads by a lease gets one from its renew deadline
  // (setGiveBackPauseBudget, hub/hub.ts): a longer pause would lose it the lease.
  maxPauseMs: Number.POSITIVE_INFINITY,
  // 5 ms per MiB: 0.9-4.7 ms per MiB of old space measured at 10,000 boards (0.3-2.0 s pauses,
  // the longest with the machine loaded), so the first estimate errs long.
  pauseMsPerMiB: 5,
  minGrowthBytes: 32 * 2 ** 20, // 32 MiB
  minGrowthRatio: 0.25,
  minIntervalMs: 10_000, // 10 s: a Deployment right after the boards joined still gets one
  mallocTrimDelayMs: 1_000, // 1 s
};
