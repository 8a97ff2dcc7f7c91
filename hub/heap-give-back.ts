// Gives V8's old-generation pages back once the hub is calm after a burst of work (issue #21).
// V8's full GCs free old-space objects but keep most pages they leave partly used: after
// placing 2,400 pods on 2,000 boards a full GC left old space 64 MB used of 131 MB committed,
// and V8's memory reducer, which compacts, waits for an allocation rate the heartbeats of a
// fleet never fall under. So once the event loop has been quiet for a few seconds and old
// space has grown since the last give-back, the hub runs one full GC that compacts every
// fragmented page (--compact-on-every-full-gc for that GC only): the pause lands when the hub
// has nothing to do, never while it places pods. A moment later malloc_trim(0) (hub/malloc-trim.ts)
// gives back glibc's free heap pages, of which a burst leaves the most too: free() returns only
// the brk heap's top, and the holes below live blocks stay resident until reused.

import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HEAP_GIVE_BACK_DEFAULTS, type HeapGiveBackOptions } from './heap-give-back-options.js';
import { loadMallocTrim, type MallocTrim } from './malloc-trim.js';
import type { Metrics } from './metrics.js';
import { createLogger } from '../shared/log.js';

const log = createLogger('heap-give-back');

export interface GiveBackState {
  /** When the current calm stretch began (ms), undefined while busy. */
  calmSince: number | undefined;
  /** Old space committed right after the last give-back (at start: when sampling began), bytes. */
  baselineBytes: number;
  /** When the last give-back ran (ms). */
  lastAt: number;
  /** Old space committed at the previous sample, bytes (undefined before the first). */
  lastCommittedBytes?: number;
}

export interface GiveBackSample {
  now: number;
  /** Event-loop utilization since the previous sample, 0 to 1. */
  utilization: number;
  /** Old space committed now, bytes. */
  committedBytes: number;
}

/** The state after a sample, and whether to give back now (then the caller sets the baseline). */
export function stepGiveBack(
  state: GiveBackState,
  s: GiveBackSample,
  o: HeapGiveBackOptions,
): { state: GiveBackState; giveBack: boolean } {
  // A burst that begins late in a sample still reads as a quiet event loop, but its allocations
  // already show in old space: a sample is calm only if both are low.
  const heapGrowth = s.committedBytes - (state.lastCommittedBytes ?? s.committedBytes);
  const calm = s.utilization < o.calmUtilization && heapGrowth < o.calmGrowthBytes;
  const calmSince = calm ? (state.calmSince ?? s.now) : undefined;
  const next = { ...state, calmSince, lastCommittedBytes: s.committedBytes };
  const grown = s.committedBytes - state.baselineBytes;
  const giveBack =
    calmSince !== undefined &&
    s.now - calmSince >= o.calmMs &&
    s.now - state.lastAt >= o.minIntervalMs &&
    grown >= Math.max(o.minGrowthBytes, o.minGrowthRatio * state.baselineBytes);
  return { state: next, giveBack };
}

function oldSpaceCommitted(): number {
  return getHeapSpaceStatistics().find((x) => x.space_name === 'old_space')?.space_size ?? 0;
}

/** V8's gc(): the global one under --expose-gc, else from a context made after exposing it. */
function gcFunction(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** One full GC that compacts every fragmented page; a command-line --compact-on-every-full-gc stays on. */
export function compactingGc(gc: () => void, execArgv: readonly string[] = process.execArgv): void {
  const always = execArgv.some((a) => /^--compact[-_]on[-_]every[-_]full[-_]gc/.test(a));
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    if (!always) setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

/** What the last give-back's pause says of the next: ms per byte of old space committed before it. */
export interface PauseHistory {
  msPerByte: number | undefined;
}

/**
 * Whether a give-back now would pause within budgetMs: old space committed times the pause per
 * byte the last one took (pauseMsPerMiB before any). A GC's pause grows with the heap it moves.
 */
export function pauseWithinBudget(
  committedBytes: number,
  history: PauseHistory,
  o: Pick<HeapGiveBackOptions, 'pauseMsPerMiB'>,
  budgetMs: number,
): boolean {
  const perByte = history.msPerByte ?? o.pauseMsPerMiB / 2 ** 20;
  return committedBytes * perByte <= budgetMs;
}

export interface TrimResult {
  /** How much the process's RSS fell over the trim, bytes (negative: another thread grew it meanwhile). */
  trimmedBytes: number;
  /** How long malloc_trim held the event loop, ms. */
  ms: number;
}

/** malloc_trim(0), timed, with the RSS it gave back. */
export function trimMalloc(addon: MallocTrim): TrimResult {
  const before = process.memoryUsage.rss();
  const t0 = performance.now();
  addon.trim();
  const ms = performance.now() - t0;
  return { trimmedBytes: before - process.memoryUsage.rss(), ms };
}

/** Pause buckets, seconds: a give-back holds the event loop ~0.1 s at 2,000 boards, more with a larger heap. */
const PAUSE_BUCKETS_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** malloc_trim's buckets, seconds: it walks glibc's free lists, well under the GC's pause. */
const TRIM_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];
/** A give-back: old-space bytes freed, the GC's pause (ms), and the trim after it, if one ran. */
export type OnGiveBack = (freedBytes: number, ms: number, trim: TrimResult | undefined) => void;
let record:
  | { giveBack(freedBytes: number, ms: number): void; trim(t: TrimResult): void; skipped(): void }
  | undefined;
/** The pause a give-back may take in this process, ms (setGiveBackPauseBudget). */
let pauseBudgetMs = Number.POSITIVE_INFINITY;

/**
 * Limits the give-back's pause, for a hub among several (hub/hub.ts): the leader's lease is
 * lost past its renew deadline, and any hub whose presence stops for a while is taken for dead.
 */
export function setGiveBackPauseBudget(ms: number): void {
  pauseBudgetMs = ms;
}

/**
 * Counts give-backs in the hub's /metrics: the give-back starts before the hub (`drover hub`),
 * so, as the work queues' provider, the registry is set once the hub has one; earlier ones or
 * those in a process without a hub are not counted.
 */
export function setGiveBackMetricsRegistry(m: Metrics): void {
  const count = m.counter(
    'drover_heap_give_backs_total',
    'Compacting GCs run once the hub was calm after a burst.',
  );
  const freed = m.counter('drover_heap_give_back_freed_bytes_total', 'Old-space bytes given back by them.');
  const pause = m.histogram(
    'drover_heap_give_back_pause_seconds',
    'How long each give-back held the event loop, seconds.',
    PAUSE_BUCKETS_SECONDS,
  );
  const trimmed = m.counter(
    'drover_heap_give_back_malloc_trimmed_bytes_total',
    "Bytes the hub's RSS fell by in the malloc_trim(0) after each give-back.",
  );
  const trimTime = m.histogram(
    'drover_heap_give_back_malloc_trim_seconds',
    'How long each malloc_trim(0) held the event loop, seconds.',
    TRIM_BUCKETS_SECONDS,
  );
  const skipped = m.counter(
    'drover_heap_give_backs_skipped_total',
    'Give-backs due but not run: their likely pause was over the budget (a hub among several).',
  );
  m.gauge(
    'drover_heap_give_back_pause_budget_seconds',
    'The longest pause a give-back may take now, seconds (+Inf: a single hub; NATS: leader or standby).',
    () => pauseBudgetMs / 1000,
  );
  record = {
    skipped: () => skipped.inc(),
    giveBack: (freedBytes, ms) => {
      count.inc();
      freed.inc({}, Math.max(0, freedBytes));
      pause.observe(ms / 1000);
    },
    trim: (t) => {
      trimmed.inc({}, Math.max(0, t.trimmedBytes));
      trimTime.observe(t.ms / 1000);
    },
  };
}

/** The environment variable that turns the give-back off (`0`); on by default. */
export const HUB_HEAP_GIVE_BACK_ENV = 'DROVER_HUB_HEAP_GIVE_BACK';
/** The environment variable that turns malloc_trim after a give-back off (`0`); on where the addon is built. */
export const HUB_MALLOC_TRIM_ENV = 'DROVER_HUB_MALLOC_TRIM';

/**
 * Samples the hub process every sampleIntervalMs and gives back when due; returns a stop.
 * onGiveBack comes after the trim (trim undefined without the addon or with
 * DROVER_HUB_MALLOC_TRIM=0, then right after the GC).
 */
export function startHeapGiveBack(
  options: Partial<HeapGiveBackOptions> = {},
  onGiveBack?: OnGiveBack,
  env: NodeJS.ProcessEnv = process.env,
  mallocTrim: () => MallocTrim | undefined = loadMallocTrim,
): () => void {
  if (env[HUB_HEAP_GIVE_BACK_ENV] === '0') return () => {};
  const o = { ...HEAP_GIVE_BACK_DEFAULTS, ...options };
  const gc = gcFunction();
  const addon = env[HUB_MALLOC_TRIM_ENV] === '0' ? undefined : mallocTrim();
  let state: GiveBackState = { calmSince: undefined, baselineBytes: oldSpaceCommitted(), lastAt: -Infinity };
  let elu = performance.eventLoopUtilization();
  let pendingTrim: NodeJS.Timeout | undefined;
  const history: PauseHistory = { msPerByte: undefined };
  let skipLogged = false;
  const timer = setInterval(() => {
    const now = performance.now();
    const since = performance.eventLoopUtilization(elu);
    elu = performance.eventLoopUtilization();
    const step = stepGiveBack(
      state,
      { now, utilization: since.utilization, committedBytes: oldSpaceCommitted() },
      o,
    );
    state = step.state;
    if (!step.giveBack) return;
    const before = oldSpaceCommitted();
    const budget = Math.min(o.maxPauseMs, pauseBudgetMs);
    if (!pauseWithinBudget(before, history, o, budget)) {
      // Asked again after minIntervalMs, against the heap then.
      state = { ...state, lastAt: now };
      record?.skipped();
      if (!skipLogged)
        log.info('heap give-back skipped: its pause would exceed the budget', { budgetMs: budget });
      skipLogged = true;
      return;
    }
    compactingGc(gc);
    const after = oldSpaceCommitted();
    const end = performance.now();
    // The GC's own pause is not load: the calm stretch goes on from here.
    elu = performance.eventLoopUtilization();
    state = { calmSince: end, baselineBytes: after, lastAt: end, lastCommittedBytes: after };
    const [freed, ms] = [before - after, end - now];
    if (before > 0) history.msPerByte = ms / before;
    record?.giveBack(freed, ms);
    if (!addon) {
      onGiveBack?.(freed, ms, undefined);
      return;
    }
    clearTimeout(pendingTrim);
    pendingTrim = setTimeout(() => {
      pendingTrim = undefined;
      const trim = trimMalloc(addon);
      record?.trim(trim);
      onGiveBack?.(freed, ms, trim);
    }, o.mallocTrimDelayMs);
    pendingTrim.unref();
  }, o.sampleIntervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    clearTimeout(pendingTrim);
  };
}
