// The hub process's memory settings that are no option of any component (issue #21: hub RSS
// at fleet scale). Measured with bench/hub-heap.ts; figures in docs/architecture.md (hub memory).
// - glibc's malloc: allocations of 16 KiB and more get pages of their own (mmap) instead of
//   coming from the brk heap. Each TLS connection keeps two buffers of that size for good once
//   a read or write has been larger than its first small one (Node's NodeBIO keeps its last two
//   blocks), and the brk heap holds them with every page resident and leaves holes between
//   connections that come and go; mapped, only the pages written are resident and a freed one
//   goes back to the system. glibc reads the setting once, at process start, from the
//   environment: the hub's launchers (drover install's unit, drover up, drover cluster up, the
//   benches' hub child) put it there with hubProcessEnv(); a hub started by other means runs
//   without it unless its environment has it.
// - V8's old generation: after a full GC it may grow to HUB_HEAP_GROWING_PERCENT above what the
//   GC left live before the next one. V8 picks that factor itself (1.1 to 4, higher when its
//   GCs look cheap against the allocation rate), and a hub placing thousands of pods allocates
//   fast: the heap it committed before a GC was twice what was live. The flag is read at every
//   GC, so the hub sets it at start (tuneHubHeap, from `drover hub` and the benches' hub
//   process); node's own --heap-growing-percent on the command line wins.

import { setFlagsFromString } from 'node:v8';

/** The glibc tunable (GLIBC_TUNABLES syntax) the hub's launchers set. */
export const HUB_MALLOC_TUNABLE = 'glibc.malloc.mmap_threshold=16384';

/**
 * env with the hub's malloc tunable added to GLIBC_TUNABLES (a `:`-separated list), unless
 * that list sets the mmap threshold already (the operator's value wins).
 */
export function hubProcessEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const have = env.GLIBC_TUNABLES ?? '';
  const name = HUB_MALLOC_TUNABLE.slice(0, HUB_MALLOC_TUNABLE.indexOf('=') + 1);
  if (have.split(':').some((t) => t.startsWith(name))) return env;
  return { ...env, GLIBC_TUNABLES: have ? `${have}:${HUB_MALLOC_TUNABLE}` : HUB_MALLOC_TUNABLE };
}

/** Old-generation growth allowed after a full GC, percent of what it left live (V8's flag). */
export const HUB_HEAP_GROWING_PERCENT = 50;

/** Sets the hub process's V8 heap growth (once per process; a command-line value wins). */
export function tuneHubHeap(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent')))
    return;
  setFlagsFromString(`--heap-growing-percent=${HUB_HEAP_GROWING_PERCENT}`);
}
