// The node's pressure conditions follow the eviction manager's own rounds (as kubelet's do): a
// round that saw memory.available below its threshold keeps MemoryPressure True for the
// transition period in the monitor the status report reads, even when the pod was evicted and
// the memory back before the report sampled (e2e node-pressure-memory under load: the report
// never said True).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EvictionManager } from '../../../agent/pressure/eviction-manager.js';
import { PressureMonitor } from '../../../agent/pressure/monitor.js';
import type { Observations } from '../../../agent/pressure/signals.js';
import { parseEvictionHard } from '../../../agent/pressure/thresholds.js';
import { createLogger } from '../../../shared/log.js';

const Mi = 1024 * 1024;
const thresholds = parseEvictionHard('memory.available<140Mi');
const low: Observations = { 'memory.available': { available: 130 * Mi, capacity: 200 * Mi } };
const fine: Observations = { 'memory.available': { available: 190 * Mi, capacity: 200 * Mi } };

function manager(observed?: (obs: Observations, now: number) => void) {
  return new EvictionManager({
    thresholds,
    observe: async () => low,
    ...(observed ? { observed } : {}),
    candidates: () => [],
    containerMemory: async () => 0,
    dirUsage: async () => 0,
    evict: async () => {},
    log: createLogger('test-eviction', 50),
    clock: () => 10_000,
  });
}

const memoryPressure = (m: PressureMonitor, obs: Observations, now: number) =>
  m.evaluate(obs, now).conditions.find((c) => c.type === 'MemoryPressure')?.pressure;

test("a round's sighting keeps MemoryPressure True in the status' monitor for the transition period", async () => {
  const status = new PressureMonitor(thresholds, 2_000);
  await manager((obs, now) => status.evaluate(obs, now)).synchronize();
  assert.is(memoryPressure(status, fine, 11_000), true, 'within the transition period');
  assert.is(memoryPressure(status, fine, 12_500), false, 'after it');
});

test('without the rounds, a monitor that only sampled afterwards never saw it', async () => {
  const status = new PressureMonitor(thresholds, 2_000);
  await manager().synchronize();
  assert.is(memoryPressure(status, fine, 11_000), false);
});

test.run();
