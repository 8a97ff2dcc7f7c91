// The hub process's memory as Prometheus gauges (prom-client's default names, so the usual
// Node.js dashboards read them) and what holds it: objects per shared informer cache and
// connected MQTT clients are scraped beside them, so a memory profile at fleet scale
// (bench/fleet-pods.ts) can split the heap per component from one run.

import { getHeapSpaceStatistics } from 'node:v8';
import type { InformerFactory } from './informers/factory.js';
import { loadMallocTrim } from './malloc-trim.js';
import type { Metrics } from './metrics.js';

export function registerProcessMetrics(m: Metrics, informers: InformerFactory): void {
  m.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => process.memoryUsage().rss);
  m.gauge('nodejs_heap_size_used_bytes', 'V8 heap used, bytes.', () => process.memoryUsage().heapUsed);
  m.gauge('nodejs_heap_size_total_bytes', 'V8 heap allocated, bytes.', () => process.memoryUsage().heapTotal);
  m.gauge(
    'nodejs_external_memory_bytes',
    'Memory of C++ objects bound to JavaScript (Buffers, TLS), bytes.',
    () => process.memoryUsage().external,
  );
  m.gauge('nodejs_heap_space_size_used_bytes', 'V8 heap used per space, bytes.', () =>
    getHeapSpaceStatistics().map((s) => ({ labels: { space: s.space_name }, value: s.space_used_size })),
  );
  // Committed beside used: the gap is heap V8 holds but no live object fills (issue #21).
  m.gauge('nodejs_heap_space_size_total_bytes', 'V8 heap committed per space, bytes.', () =>
    getHeapSpaceStatistics().map((s) => ({ labels: { space: s.space_name }, value: s.space_size })),
  );
  // glibc's malloc outside V8 (TLS, SQLite, Node's buffers), where the malloc_trim addon is built.
  const malloc = loadMallocTrim();
  if (malloc?.stats()) {
    m.gauge(
      'drover_malloc_arena_bytes',
      "Bytes glibc's malloc holds from the OS outside its own mmaps (all arenas).",
      () => malloc.stats()?.arenaBytes ?? [],
    );
    m.gauge(
      'drover_malloc_free_bytes',
      "Of those, bytes free in malloc's free lists (resident unless trimmed).",
      () => malloc.stats()?.freeBytes ?? [],
    );
  }
  m.gauge('drover_informer_objects', 'Objects held by each shared informer cache.', () =>
    informers.sizes().map((s) => ({ labels: { resource: s.resource }, value: s.objects })),
  );
}
