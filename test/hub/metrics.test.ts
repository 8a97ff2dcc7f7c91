import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DuplicateMetricError, Metrics } from '../../hub/metrics.js';

test('renders counters, gauges (with collect) and histograms in Prometheus text', async () => {
  const m = new Metrics();
  const c = m.counter('req_total', 'Requests.');
  c.inc({ verb: 'get', code: '200' });
  c.inc({ verb: 'get', code: '200' }, 2);
  m.gauge('rev', 'Revision.', () => 42);
  const h = m.histogram('lat_seconds', 'Latency.', [0.1, 1]);
  h.observe(0.05);
  h.observe(0.5);
  const text = await m.render();
  assert.match(text, '# TYPE req_total counter');
  assert.match(text, 'req_total{code="200",verb="get"} 3');
  assert.match(text, 'rev 42');
  assert.match(text, 'lat_seconds_bucket{le="0.1"} 1');
  assert.match(text, 'lat_seconds_bucket{le="1"} 2');
  assert.match(text, 'lat_seconds_bucket{le="+Inf"} 2');
  assert.match(text, 'lat_seconds_count 2');
  assert.throws(
    () => m.counter('req_total', 'again'),
    (e: unknown) => e instanceof DuplicateMetricError,
  );
});

test('label values are escaped', async () => {
  const m = new Metrics();
  m.counter('x', 'X.').inc({ v: 'a"b\\c\nd' });
  assert.match(await m.render(), 'x{v="a\\"b\\\\c\\nd"} 1');
});

test.run();
