import { tmpdir } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diskPressure, diskSpace } from '../../../agent/pressure/disk.js';

const KiB = 1024;
const CASES: { name: string; total: number; avail: number; pressure: boolean; pct: string }[] = [
  { name: 'plenty', total: 1000 * KiB, avail: 500 * KiB, pressure: false, pct: '50.0%' },
  { name: 'exactly 10% is no pressure', total: 1000 * KiB, avail: 100 * KiB, pressure: false, pct: '10.0%' },
  { name: 'below 10%', total: 1000 * KiB, avail: 99 * KiB, pressure: true, pct: '9.9%' },
  { name: 'full', total: 1000 * KiB, avail: 0, pressure: true, pct: '0.0%' },
];

for (const c of CASES)
  test(`diskPressure: ${c.name}`, () => {
    const d = diskPressure('/data', { totalBytes: c.total, availableBytes: c.avail });
    assert.is(d.pressure, c.pressure);
    assert.is(d.reason, c.pressure ? 'KubeletHasDiskPressure' : 'KubeletHasNoDiskPressure');
    assert.ok(d.message.includes(`(${c.pct})`) && d.message.includes('/data'), d.message);
  });

test('diskPressure: unmeasurable is no pressure, and says so', () => {
  const d = diskPressure('/x', undefined);
  assert.is(d.pressure, false);
  assert.match(d.message, /cannot measure/);
});

test('diskSpace of a real directory (and of a path not yet created: its parent)', async () => {
  for (const p of [tmpdir(), `${tmpdir()}/not/yet/there`]) {
    const s = await diskSpace(p);
    assert.ok(s && s.totalBytes > 0 && s.availableBytes >= 0 && s.availableBytes <= s.totalBytes);
  }
});

test.run();
