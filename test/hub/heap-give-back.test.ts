// When the hub gives V8's old-generation pages back: only once it has been calm for calmMs,
// old space has grown enough since the last give-back, and not twice within minIntervalMs;
// and the compacting GC it runs returns a fragmented old space's pages.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type GiveBackState,
  pauseWithinBudget,
  setGiveBackMetricsRegistry,
  type TrimResult,
  startHeapGiveBack,
  stepGiveBack,
} from '../../hub/heap-give-back.js';
import { HEAP_GIVE_BACK_DEFAULTS, type HeapGiveBackOptions } from '../../hub/heap-give-back-options.js';
import { loadMallocTrim, type MallocTrim } from '../../hub/malloc-trim.js';
import { Metrics } from '../../hub/metrics.js';
import { holdsFor, waitFor } from '../helpers/wait.js';

const MB = 2 ** 20;
const o = HEAP_GIVE_BACK_DEFAULTS; // calm under 0.3 for calmMs, +32 MiB or +25%, 10 s apart
/** The calm stretch a give-back waits for, in the tables' one-second samples. */
const C = o.calmMs / 1_000;

/** Feeds (utilization, committed MB) samples a second apart; the times (s) a give-back fell due. */
function run(
  samples: readonly [number, number][],
  start: Partial<GiveBackState> = {},
  opts: HeapGiveBackOptions = o,
): number[] {
  let state: GiveBackState = { calmSince: undefined, baselineBytes: 60 * MB, lastAt: -Infinity, ...start };
  const due: number[] = [];
  samples.forEach(([utilization, committedMb], i) => {
    const now = i * 1_000;
    const step = stepGiveBack(state, { now, utilization, committedBytes: committedMb * MB }, opts);
    state = step.state;
    if (step.giveBack) {
      due.push(i);
      // As the hub does: what the give-back left is the next baseline.
      state = {
        calmSince: now,
        baselineBytes: committedMb * MB,
        lastAt: now,
        lastCommittedBytes: committedMb * MB,
      };
    }
  });
  return due;
}

const busy = (n: number, mb: number) => Array.from({ length: n }, (): [number, number] => [0.95, mb]);
const calm = (n: number, mb: number) => Array.from({ length: n }, (): [number, number] => [0.1, mb]);

test('stepGiveBack: due once the hub has been calm for calmMs after old space grew', () => {
  // A burst grows old space 60 -> 130 MB; calm from second 10: due C seconds later, once.
  assert.equal(run([...busy(10, 130), ...calm(C + 10, 130)]), [10 + C]);
});

test('stepGiveBack: never while busy, and a busy second restarts the calm stretch', () => {
  assert.equal(run(busy(60, 200)), []);
  // calm C - 1 s, busy 1 s, calm again: due C s after the busy second, not C s after the start.
  assert.equal(run([...calm(C - 1, 130), ...busy(1, 130), ...calm(C + 2, 130)]), [2 * C]);
});

test('stepGiveBack: not for growth under minGrowthBytes, nor under minGrowthRatio of a large heap', () => {
  assert.equal(run(calm(C + 10, 60 + 31)), []);
  assert.equal(run(calm(C + 10, 60 + 32)), [C]);
  // 400 MB left by the last give-back: 25% is 100 MB.
  assert.equal(run(calm(C + 10, 480), { baselineBytes: 400 * MB }), []);
  assert.equal(run(calm(C + 10, 500), { baselineBytes: 400 * MB }), [C]);
});

test('stepGiveBack: at most one give-back per minIntervalMs', () => {
  // Old space grows 5 MB a second (calm: under calmGrowthBytes a second): due once it has grown
  // 32 MB (second 6), then again only 10 s after each give-back (16, 26; by growth alone: 13),
  // with a calm stretch (3 s here) shorter than that.
  const growing = Array.from({ length: 30 }, (_, i): [number, number] => [0.1, 60 + 5 * (i + 1)]);
  assert.equal(run(growing, {}, { ...o, calmMs: 3_000 }), [6, 16, 26]);
});

test('stepGiveBack: not at the start of a burst whose first second still reads calm', () => {
  // Long calm at 60 MB; then one second with a quiet event loop in which old space jumped 60 ->
  // 130 MB (a DaemonSet just created), the burst, and calm again: due only after that calm.
  const samples = [...calm(C + 5, 60), [0.1, 130] as [number, number], ...busy(5, 200), ...calm(C + 2, 200)];
  assert.equal(run(samples), [C + 5 + 1 + 5 + C]);
});

test('compactingGc: gives a fragmented old space back, where a plain full GC keeps its pages', () => {
  const HG = new URL('../../hub/heap-give-back.js', import.meta.url).href;
  // A million small objects, one in ten kept: every page stays partly used. Old space
  // committed after the GC, MB.
  const script = (compact: boolean) => `
    import { getHeapSpaceStatistics } from 'node:v8';
    const { compactingGc } = await import(${JSON.stringify(HG)});
    globalThis.keep = [];
    let all = [];
    for (let i = 0; i < 1000000; i++) all.push({ a: 'x' + i, b: [i, i + 1] });
    for (let i = 0; i < all.length; i += 10) keep.push(all[i]);
    all = null;
    setTimeout(() => {
      ${compact ? 'compactingGc(gc);' : 'gc();'}
      const old = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
      console.log(Math.round(old.space_size / 2 ** 20));
    }, 10);`;
  const committed = (compact: boolean) =>
    Number(
      spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script(compact)], {
        encoding: 'utf8',
      }).stdout,
    );
  const plain = committed(false);
  const compacted = committed(true);
  assert.ok(compacted < plain / 3, `compacted ${compacted} MB against a plain full GC's ${plain} MB`);
});

test('a give-back is counted, with its pause, in the registry the hub set', async () => {
  const m = new Metrics();
  setGiveBackMetricsRegistry(m);
  assert.not.match(await m.render(), /^drover_heap_give_backs_total /m);
  let seen = 0;
  // Always calm, any growth: due at the first sample.
  const stop = startHeapGiveBack(
    {
      sampleIntervalMs: 10,
      calmUtilization: 2,
      calmMs: 0,
      minGrowthBytes: 0,
      minGrowthRatio: 0,
      minIntervalMs: 60_000,
    },
    () => {
      seen++;
    },
    {},
    () => loadMallocTrim('/nonexistent/malloc_trim.node'),
  );
  try {
    await waitFor(() => seen > 0, { timeoutMs: 5_000 });
  } finally {
    stop();
  }
  const text = await m.render();
  assert.match(text, /^drover_heap_give_backs_total 1$/m);
  assert.match(text, /^drover_heap_give_back_pause_seconds_count 1$/m);
  // Without the addon (a path with none) no trim runs and none is counted.
  assert.not.match(text, /^drover_heap_give_back_malloc_trim_seconds_count /m);
  // Turned off by its environment variable: nothing runs.
  let off = 0;
  const none = startHeapGiveBack({ sampleIntervalMs: 10, calmUtilization: 2, calmMs: 0 }, () => off++, {
    DROVER_HUB_HEAP_GIVE_BACK: '0',
  });
  try {
    await holdsFor(() => off === 0, { durationMs: 100, intervalMs: 10, what: 'no give-back while off' });
  } finally {
    none();
  }
});

/** Always calm, any growth: due at the first sample, then not again for a minute. */
const DUE_AT_ONCE = {
  sampleIntervalMs: 10,
  calmUtilization: 2,
  calmMs: 0,
  minGrowthBytes: 0,
  minGrowthRatio: 0,
  minIntervalMs: 60_000,
  mallocTrimDelayMs: 10,
};

/** Starts a give-back due at once, waits for its first (the trim after it, if any), stops it. */
async function firstGiveBack(
  env: NodeJS.ProcessEnv,
  mallocTrim: () => MallocTrim | undefined,
): Promise<(TrimResult | undefined)[]> {
  const seen: (TrimResult | undefined)[] = [];
  const stop = startHeapGiveBack(DUE_AT_ONCE, (_f, _ms, trim) => seen.push(trim), env, mallocTrim);
  try {
    await waitFor(() => seen.length > 0, { timeoutMs: 5_000, what: 'a give-back' });
  } finally {
    stop();
  }
  return seen;
}

test('a give-back ends with malloc_trim when the addon is there, timed and counted; DROVER_HUB_MALLOC_TRIM=0 skips it', async () => {
  const m = new Metrics();
  setGiveBackMetricsRegistry(m);
  let trims = 0;
  // The real addon, counted: the trim runs after the compacting GC, in the same give-back.
  const real = loadMallocTrim();
  assert.ok(real, 'the addon is not built: node scripts/build-malloc-trim.mjs');
  const counted: MallocTrim = {
    trim: () => {
      trims++;
      return real.trim();
    },
    stats: () => real.stats(),
  };
  const seen = await firstGiveBack({}, () => counted);
  assert.is(trims, 1);
  const [trim] = seen;
  assert.ok(trim && trim.ms >= 0 && Number.isFinite(trim.trimmedBytes), JSON.stringify(trim));
  const text = await m.render();
  assert.match(text, /^drover_heap_give_back_malloc_trim_seconds_count 1$/m);
  assert.match(text, /^drover_heap_give_back_malloc_trimmed_bytes_total \d+$/m);
  // Turned off: the give-back still runs, without the trim.
  const off = await firstGiveBack({ DROVER_HUB_MALLOC_TRIM: '0' }, () => counted);
  assert.is(trims, 1);
  assert.equal(off, [undefined]);
});

test('pauseWithinBudget: old space times the last pause per byte, pauseMsPerMiB before any', () => {
  const per = { pauseMsPerMiB: 5 };
  const none = { msPerByte: undefined };
  const cases: [string, number, number | undefined, number, boolean][] = [
    // what, old space MiB, last pause ms per MiB, budget ms, within
    ['no budget (a hub on its own)', 4000, undefined, Number.POSITIVE_INFINITY, true],
    ['first, 100 MiB at 5 ms/MiB under 750 ms', 100, undefined, 750, true],
    ['first, 200 MiB at 5 ms/MiB over 750 ms', 200, undefined, 750, false],
    ['measured 2 ms/MiB: 200 MiB under 750 ms', 200, 2, 750, true],
    ['measured 2 ms/MiB: 400 MiB over 750 ms', 400, 2, 750, false],
  ];
  for (const [what, mib, msPerMiB, budget, within] of cases) {
    const history = msPerMiB === undefined ? none : { msPerByte: msPerMiB / MB };
    assert.is(pauseWithinBudget(mib * MB, history, per, budget), within, what);
  }
});

test('a give-back due but over the pause budget does not run, and is counted as skipped', async () => {
  const m = new Metrics();
  setGiveBackMetricsRegistry(m);
  let ran = 0;
  const stop = startHeapGiveBack(
    { ...DUE_AT_ONCE, maxPauseMs: 0 },
    () => ran++,
    {},
    () => undefined,
  );
  try {
    await waitFor(async () => /^drover_heap_give_backs_skipped_total 1$/m.test(await m.render()), {
      timeoutMs: 5_000,
      what: 'a skip counted',
    });
    // Not asked again within minIntervalMs (60 s here), and never run.
    await holdsFor(
      async () => ran === 0 && /^drover_heap_give_backs_skipped_total 1$/m.test(await m.render()),
      {
        durationMs: 300,
        what: 'no give-back, one skip',
      },
    );
  } finally {
    stop();
  }
  assert.not.match(await m.render(), /^drover_heap_give_backs_total [1-9]/m);
});

test.run();
