import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  formatBytes,
  formatCpuMillis,
  parseBytes,
  parseCpuMillis,
  parseQuantity,
  QuantityError,
} from '../../../shared/api/quantity.js';

const values: [string, number][] = [
  ['250m', 0.25],
  ['1', 1],
  ['1.5', 1.5],
  ['256Mi', 256 * 2 ** 20],
  ['1Gi', 2 ** 30],
  ['1.5Gi', 1.5 * 2 ** 30],
  ['1e3', 1000],
  ['1E-3', 0.001],
  ['500k', 500_000],
  ['1M', 1_000_000],
  ['16318420Ki', 16318420 * 1024],
  ['.5', 0.5],
  ['+2', 2],
  ['-1', -1],
  ['100n', 1e-7],
];
for (const [input, want] of values) {
  test(`parseQuantity ${input}`, () => {
    assert.ok(
      Math.abs(parseQuantity(input) - want) < 1e-12 * Math.max(1, want),
      `${input} -> ${parseQuantity(input)}`,
    );
  });
}

for (const bad of ['', 'abc', '1.2.3', '1 Gi', 'Gi', '1gi', '1KiB', '--1', '1e', '0x10', '1Mi1']) {
  test(`parseQuantity rejects ${JSON.stringify(bad)}`, () => {
    assert.throws(
      () => parseQuantity(bad),
      (e: unknown) => e instanceof QuantityError && e.message.includes(bad),
    );
  });
}

const cpu: [string, number][] = [
  ['250m', 250],
  ['1', 1000],
  ['1.5', 1500],
  ['0.1', 100],
  ['0.0001', 1],
  ['2', 2000],
];
for (const [input, want] of cpu)
  test(`parseCpuMillis ${input}`, () => assert.is(parseCpuMillis(input), want));

const bytes: [string, number][] = [
  ['256Mi', 268435456],
  ['1.5Gi', 1610612736],
  ['1M', 1000000],
  ['128974848', 128974848],
  ['129e6', 129000000],
];
for (const [input, want] of bytes) test(`parseBytes ${input}`, () => assert.is(parseBytes(input), want));

test('format helpers round-trip', () => {
  assert.is(formatCpuMillis(250), '250m');
  assert.is(formatCpuMillis(2000), '2');
  assert.is(formatBytes(268435456), '256Mi');
  assert.is(formatBytes(2 ** 30), '1Gi');
  assert.is(formatBytes(1000), '1000');
  assert.is(formatBytes(0), '0');
  for (const q of ['256Mi', '1Gi', '16318420Ki']) assert.is(formatBytes(parseBytes(q)), q);
});

test.run();
