// The hub process's V8 heap growth, an operator's choice (issue #21: hub RSS against hub CPU
// at fleet scale). Measured with bench/hub-heap.ts and bench/fleet-pods.ts; figures in
// docs/architecture.md (hub memory).
// V8's old generation: after a full GC it may grow to this percent above what the GC left
// live before the next one. V8 picks the factor itself (1.1 to 4, higher when its GCs look
// cheap against the allocation rate), so a hub placing thousands of pods commits about twice
// what is live. 50 cut RSS (999 against 1,073 MB at 10,000 boards + 12,000 pods) but cost
// GC CPU where the CPU goals are open too (2,000-pod Deployment 4.2 against 3.3 s, DaemonSet
// on 10,000 boards 27 against 23.6 s, one fleet-pods run each): V8's own choice is the
// default and DROVER_HUB_HEAP_GROWING_PERCENT sets it. The flag is read at every GC, so the
// hub sets it at start (`drover hub`, the benches' hub process); node's own
// --heap-growing-percent on the command line wins.

import { setFlagsFromString } from 'node:v8';

/** The environment variable with the hub's old-generation growth, percent of what is live. */
export const HUB_HEAP_GROWING_PERCENT_ENV = 'DROVER_HUB_HEAP_GROWING_PERCENT';

/** Sets the hub process's V8 heap growth when asked (once per process; a command-line value wins). */
export function tuneHubHeap(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
): void {
  const raw = env[HUB_HEAP_GROWING_PERCENT_ENV];
  if (raw === undefined || raw === '') return;
  if (execArgv.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent')))
    return;
  const percent = Number(raw);
  if (!Number.isInteger(percent) || percent < 1 || percent > 1000)
    throw new RangeError(
      `${HUB_HEAP_GROWING_PERCENT_ENV}: want a whole percent from 1 to 1000, got ${JSON.stringify(raw)}`,
    );
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}
