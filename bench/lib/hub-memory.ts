// The hub's memory as its /metrics tells it (hub/process-metrics.ts): RSS, V8 heap, memory
// outside the heap (Buffers, TLS), objects per informer cache and MQTT clients. Sampled at the
// phases of a fleet run, the differences split the heap per component (per board, per pod).

import { metricByLabel, metricSum } from './prom-text.js';

export interface HubMemory {
  rssBytes: number;
  heapUsedBytes: number;
  /** V8 heap committed (used, free space in its pages, the young generation's semi-spaces). */
  heapTotalBytes: number;
  externalBytes: number;
  /** Per V8 space (new_space, old_space, large_object_space, ...): used and committed bytes. */
  spaces: Record<string, { used: number; committed: number }>;
  /** Objects held per shared informer cache. */
  informerObjects: Record<string, number>;
  mqttClients: number;
  /** Heap give-backs so far (hub/heap-give-back.ts), the event-loop pause of all of them (s), and what malloc_trim gave back. */
  giveBacks: { count: number; pauseSeconds: number; trimmedBytes: number };
}

/** Reads the memory gauges from a /metrics fetch of the hub (e.g. hubFetch(dataDir)). */
export async function hubMemory(fetchFn: typeof fetch, apiUrl: string): Promise<HubMemory> {
  const r = await fetchFn(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(30_000) });
  const text = await r.text();
  const used = metricByLabel(text, 'nodejs_heap_space_size_used_bytes', 'space');
  const committed = metricByLabel(text, 'nodejs_heap_space_size_total_bytes', 'space');
  const spaces: HubMemory['spaces'] = {};
  for (const name of Object.keys(committed))
    spaces[name] = { used: used[name] ?? 0, committed: committed[name] };
  return {
    rssBytes: metricSum(text, 'process_resident_memory_bytes'),
    heapUsedBytes: metricSum(text, 'nodejs_heap_size_used_bytes'),
    heapTotalBytes: metricSum(text, 'nodejs_heap_size_total_bytes'),
    externalBytes: metricSum(text, 'nodejs_external_memory_bytes'),
    spaces,
    informerObjects: metricByLabel(text, 'drover_informer_objects', 'resource'),
    mqttClients: metricSum(text, 'drover_mqtt_clients'),
    giveBacks: {
      count: metricSum(text, 'drover_heap_give_backs_total'),
      pauseSeconds: metricSum(text, 'drover_heap_give_back_pause_seconds_sum'),
      trimmedBytes: metricSum(text, 'drover_heap_give_back_malloc_trimmed_bytes_total'),
    },
  };
}

const MB = 2 ** 20;

/** Used of committed, MB, for the spaces where the heap's slack sits: "new 3/16, old 90/150, lo 8/9". */
export function describeSpaces(m: HubMemory): string {
  const short: Record<string, string> = { new_space: 'new', old_space: 'old', large_object_space: 'lo' };
  return Object.entries(short)
    .map(([space, label]) => {
      const s = m.spaces[space] ?? { used: 0, committed: 0 };
      return `${label} ${(s.used / MB).toFixed(1)}/${(s.committed / MB).toFixed(1)}`;
    })
    .join(', ');
}
const mb = (b: number) => (b / MB).toFixed(0);
const kb = (b: number) => (b / 1024).toFixed(1);

/**
 * The per-component split between phases: the idle hub, then `boards` connected boards, then
 * `pods` pods on them. Per-board cost: heap growth from idle to boards; per-pod cost: heap
 * growth from boards to boards+pods.
 */
export function describeMemory(
  idle: HubMemory,
  boards: { n: number; m: HubMemory },
  pods: { n: number; m: HubMemory },
): string {
  const perBoard = (boards.m.heapUsedBytes - idle.heapUsedBytes) / boards.n;
  const perBoardExt = (boards.m.externalBytes - idle.externalBytes) / boards.n;
  const perPod = (pods.m.heapUsedBytes - boards.m.heapUsedBytes) / pods.n;
  const top = Object.entries(pods.m.informerObjects)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  return [
    `idle hub: RSS ${mb(idle.rssBytes)} MB, heap ${mb(idle.heapUsedBytes)} MB`,
    `${boards.n} boards: RSS ${mb(boards.m.rssBytes)} MB, heap ${mb(boards.m.heapUsedBytes)} MB (${kb(perBoard)} KiB heap + ${kb(perBoardExt)} KiB outside the heap per board: connection, Node object, lease entry), external ${mb(boards.m.externalBytes)} MB`,
    `+${pods.n} pods: RSS ${mb(pods.m.rssBytes)} MB, heap ${mb(pods.m.heapUsedBytes)} MB (${kb(perPod)} KiB heap per pod: informer caches, desired sets, scheduler cache); cached objects: ${top}`,
    `heap give-backs since the hub started: ${pods.m.giveBacks.count}, ${pods.m.giveBacks.pauseSeconds.toFixed(2)} s of event-loop pause in all, malloc_trim ${mb(pods.m.giveBacks.trimmedBytes)} MB`,
  ].join('; ');
}
