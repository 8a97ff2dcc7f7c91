// The hub process's memory settings that are no option of any component (issue #21: hub RSS
// at fleet scale). Measured with bench/hub-heap.ts; figures in docs/architecture.md (hub memory).
// V8's old generation: after a full GC it may grow to HUB_HEAP_GROWING_PERCENT above what the
// GC left live before the next one. V8 picks that factor itself (1.1 to 4, higher when its
// GCs look cheap against the allocation rate), and a hub placing thousands of pods allocates
// fast: the heap it committed before a GC was twice what was live. The flag is read at every
// GC, so the hub sets it at start (tuneHubHeap, from `drover hub` and the benches' hub
// process); node's own --heap-growing-percent on the command line wins.

import { setFlagsFromString } from 'node:v8';

/** Old-generation growth allowed after a full GC, percent of what it left live (V8's flag). */
export const HUB_HEAP_GROWING_PERCENT = 50;

/** Sets the hub process's V8 heap growth (once per process; a command-line value wins). */
export function tuneHubHeap(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent')))
    return;
  setFlagsFromString(`--heap-growing-percent=${HUB_HEAP_GROWING_PERCENT}`);
}
