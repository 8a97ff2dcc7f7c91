// The hub's malloc setting goes into its launchers' environment without overriding an
// operator's own GLIBC_TUNABLES, and it takes effect: a child started with it serves a 16 KiB
// allocation from its own mapping (not the brk heap). The V8 heap growth set at start bounds
// what the heap commits above its live objects while it allocates.
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HUB_MALLOC_TUNABLE, hubProcessEnv } from '../../hub/process-tuning.js';

const TUNING = new URL('../../hub/process-tuning.js', import.meta.url).href;

test('added to an environment without GLIBC_TUNABLES, appended to one with other tunables', () => {
  assert.is(hubProcessEnv({ PATH: '/bin' }).GLIBC_TUNABLES, HUB_MALLOC_TUNABLE);
  assert.is(hubProcessEnv({ PATH: '/bin' }).PATH, '/bin');
  assert.is(
    hubProcessEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES,
    `glibc.malloc.arena_max=2:${HUB_MALLOC_TUNABLE}`,
  );
});

test("an operator's mmap threshold wins", () => {
  const env = { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536' };
  assert.is(hubProcessEnv(env).GLIBC_TUNABLES, 'glibc.malloc.mmap_threshold=65536');
});

test('glibc reads it: 16 KiB blocks of a child with it are mapped, not in the brk heap', () => {
  // Buffers of 16 KiB outside V8's pool (allocUnsafeSlow: malloc), touched, held; the brk
  // heap's resident size tells where they went.
  const script = `
    const held = [];
    for (let i = 0; i < 2000; i++) held.push(Buffer.allocUnsafeSlow(16384).fill(1));
    const smaps = require('fs').readFileSync('/proc/self/smaps', 'utf8').split('\\n');
    let inHeap = false, kb = 0;
    for (const l of smaps) {
      if (/^[0-9a-f]+-[0-9a-f]+ /.test(l)) inHeap = l.endsWith('[heap]');
      else if (inHeap && l.startsWith('Rss:')) kb += Number(/(\\d+)/.exec(l)[1]);
    }
    console.log(kb, held.length);`;
  const brkKb = (env: NodeJS.ProcessEnv) =>
    Number(spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }).stdout.split(' ')[0]);
  const { GLIBC_TUNABLES: _t, ...plain } = process.env;
  const without = brkKb(plain);
  const withIt = brkKb(hubProcessEnv(plain));
  // 2000 x 16 KiB = 31.25 MiB: all of it in the brk heap without, none of it with.
  assert.ok(without > 30_000, `without: ${without} kB in the brk heap`);
  assert.ok(without - withIt > 20_000, `with: ${withIt} kB in the brk heap (without: ${without})`);
});

test('tuneHubHeap: a heap that allocates fast commits less above what is live', () => {
  // 150,000 live objects, then garbage at a high rate with a few survivors; the largest
  // committed heap seen, MB.
  const script = (tune: boolean) => `
    ${tune ? `const { tuneHubHeap } = await import(${JSON.stringify(TUNING)}); tuneHubHeap();` : ''}
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

test.run();
