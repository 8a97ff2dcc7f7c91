// The V8 heap growth the hub sets at start when asked (DROVER_HUB_HEAP_GROWING_PERCENT) bounds
// what the heap commits above its live objects while it allocates; unset, V8 chooses.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const TUNING = new URL('../../hub/process-tuning.js', import.meta.url).href;

test('tuneHubHeap: with a growth set, a heap that allocates fast commits less above what is live', () => {
  // 150,000 live objects, then garbage at a high rate with a few survivors; the largest
  // committed heap seen, MB.
  const script = (tune: boolean) => `
    ${tune ? `const { tuneHubHeap } = await import(${JSON.stringify(TUNING)}); tuneHubHeap({ DROVER_HUB_HEAP_GROWING_PERCENT: '50' });` : ''}
    const live = [];
    for (let i = 0; i < 150000; i++) live.push({ a: 'x' + i, b: [i, i + 1], c: { d: i } });
    let max = 0;
    for (let r = 0; r < 100; r++) {
      const g = [];
      for (let i = 0; i < 20000; i++) g.push({ a: 'y' + i, b: [i], c: { d: i } });
      live[r] = g[0];
      max = Math.max(max, process.memoryUsage().heapTotal);
    }
    console.log(Math.round(max / 2 ** 20));`;
  const committed = (tune: boolean) =>
    Number(
      spawnSync(process.execPath, ['--input-type=module', '-e', script(tune)], { encoding: 'utf8' }).stdout,
    );
  const v8Own = committed(false);
  const tuned = committed(true);
  assert.ok(tuned < v8Own * 0.8, `tuned ${tuned} MB against V8's own ${v8Own} MB`);
});

test('tuneHubHeap: unset leaves V8 its own choice; a bad value is a clear error', async () => {
  const { tuneHubHeap } = await import(TUNING);
  tuneHubHeap({}); // nothing to set: must not throw
  for (const bad of ['0', '-5', '1.5', 'fifty'])
    assert.throws(
      () => tuneHubHeap({ DROVER_HUB_HEAP_GROWING_PERCENT: bad }),
      /DROVER_HUB_HEAP_GROWING_PERCENT: want a whole percent/,
      bad,
    );
});

test.run();
