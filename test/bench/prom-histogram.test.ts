import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseHistogram, quantileBetween } from '../../bench/lib/prom-histogram.js';

const text = (c: number[]) =>
  [`# TYPE x histogram`, `x_bucket{le="0.001"} ${c[0]}`, `x_bucket{le="0.01"} ${c[1]}`]
    .concat([`x_bucket{le="0.1"} ${c[2]}`, `x_bucket{le="+Inf"} ${c[3]}`, `x_count ${c[3]}`])
    .join('\n');

const before = parseHistogram(text([10, 10, 10, 10]), 'x');

const cases: [string, number[], number, number][] = [
  // name, cumulative counts after, q, expected (linear within the bucket, like histogram_quantile)
  ['median in the first bucket', [60, 100, 110, 110], 0.5, 0.001],
  ['p99 in the third bucket', [60, 100, 110, 110], 0.99, 0.01 + (0.09 * 9) / 10],
  ['in +Inf: the highest finite bound', [10, 10, 10, 20], 0.99, 0.1],
];
for (const [name, after, q, want] of cases) {
  test(name, () => {
    const got = quantileBetween(q, before, parseHistogram(text(after), 'x'));
    assert.ok(Math.abs(got - want) < 1e-9, `${got} != ${want}`);
  });
}

test('no observations between the scrapes: NaN', () => {
  assert.ok(Number.isNaN(quantileBetween(0.5, before, before)));
});

test('parses labelled series and +Inf', () => {
  const b = parseHistogram('y_bucket{a="1",le="0.5"} 3\ny_bucket{a="1",le="+Inf"} 4', 'y');
  assert.equal(b.le, [0.5, Number.POSITIVE_INFINITY]);
  assert.equal(b.counts, [3, 4]);
});

test.run();
