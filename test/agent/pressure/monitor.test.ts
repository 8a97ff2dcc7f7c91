// Eviction thresholds and pressure conditions (pure): --eviction-hard parsing with its
// refusals, thresholds met per signal, the transition period that keeps a condition True.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PressureMonitor } from '../../../agent/pressure/monitor.js';
import {
  DEFAULT_EVICTION_HARD,
  parseEvictionHard,
  ThresholdParseError,
} from '../../../agent/pressure/thresholds.js';

const Mi = 1024 * 1024;

test('the kubelet defaults parse', () => {
  assert.equal(
    parseEvictionHard(DEFAULT_EVICTION_HARD).map((t) => [t.signal, t.quantity ?? t.fraction]),
    [
      ['memory.available', 100 * Mi],
      ['nodefs.available', 0.1],
      ['imagefs.available', 0.15],
      ['pid.available', 0.1],
    ],
  );
  assert.is(parseEvictionHard('memory.available<1G')[0].quantity, 1e9);
});

const BAD: [string, RegExp][] = [
  ['memory.available>100Mi', /signal<quantity/],
  ['cpu.available<1', /unknown signal/],
  ['memory.available<lots', /not a quantity/],
  ['nodefs.available<120%', /more than 100%/],
  ['memory.available<1Mi,memory.available<2Mi', /given twice/],
  [',', /no threshold/],
];
for (const [text, msg] of BAD)
  test(`--eviction-hard refuses ${text}`, () => {
    assert.throws(
      () => parseEvictionHard(text),
      (e: Error) => e instanceof ThresholdParseError && msg.test(e.message),
    );
  });

const obs = (memAvailMi: number) => ({
  'memory.available': { available: memAvailMi * Mi, capacity: 1024 * Mi },
  'nodefs.available': { available: 50, capacity: 100 },
  'pid.available': { available: 1000, capacity: 1000 },
});

test('a met threshold turns its condition True at once, with the numbers; the transition period keeps it True', () => {
  const m = new PressureMonitor(parseEvictionHard(DEFAULT_EVICTION_HARD), 10_000);
  const byType = (r: ReturnType<PressureMonitor['evaluate']>) =>
    Object.fromEntries(r.conditions.map((c) => [c.type, c.pressure]));
  let r = m.evaluate(obs(500), 0);
  assert.equal(byType(r), { MemoryPressure: false, DiskPressure: false, PIDPressure: false });
  r = m.evaluate(obs(50), 1000);
  assert.equal(byType(r), { MemoryPressure: true, DiskPressure: false, PIDPressure: false });
  const mem = r.conditions.find((c) => c.type === 'MemoryPressure');
  assert.is(mem?.reason, 'KubeletHasInsufficientMemory');
  assert.match(mem?.message ?? '', /memory\.available below 100Mi: threshold quantity 100Mi, available 50Mi/);
  assert.is(m.evaluate(obs(500), 10_999).conditions[0].pressure, true, 'within the transition period');
  assert.match(m.evaluate(obs(500), 10_999).conditions[0].message, /transition period/);
  assert.is(m.evaluate(obs(500), 11_000).conditions[0].pressure, false, 'period over');
});

test('DiskPressure from nodefs or imagefs; an unmeasured signal never presses', () => {
  const m = new PressureMonitor(parseEvictionHard('nodefs.available<10%,imagefs.available<15%'), 0);
  const r = m.evaluate({ 'imagefs.available': { available: 10, capacity: 100 } }, 0);
  assert.equal(
    r.conditions.map((c) => [c.type, c.pressure]),
    [
      ['MemoryPressure', false],
      ['DiskPressure', true],
      ['PIDPressure', false],
    ],
  );
  assert.is(
    m.evaluate({ 'imagefs.available': { available: 20, capacity: 100 } }, 1).conditions[1].pressure,
    false,
  );
});

test.run();
