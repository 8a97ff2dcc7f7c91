// The hub's malloc_trim addon (hub/native/malloc-trim, loaded by hub/malloc-trim.ts): it gives
// the free pages in the middle of glibc's brk heap back to the OS, which free() alone does not;
// and the hub runs without it where it was not built.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadMallocTrim } from '../../hub/malloc-trim.js';

interface ChildResult {
  absent?: true;
  heapBeforeMb: number;
  heapFellMb: number;
  arenaMb: number;
  freeMb: number;
}

/**
 * In a fresh process: ~40 MB of 4-16 KiB Buffers (malloc'd from the brk heap), every 16th kept,
 * so the freed ones leave ~120 KiB holes below live blocks; then [heap]'s resident MB before and
 * how much it fell over trim() (or, as the control, over nothing).
 */
function child(trim: boolean): ChildResult {
  const MT = new URL('../../hub/malloc-trim.js', import.meta.url).href;
  const script = `
    import { readFileSync } from 'node:fs';
    const { loadMallocTrim } = await import(${JSON.stringify(MT)});
    const addon = loadMallocTrim();
    if (!addon) { console.log(JSON.stringify({ absent: true })); process.exit(0); }
    const heapMb = () => {
      let inHeap = false, kb = 0;
      for (const l of readFileSync('/proc/self/smaps', 'utf8').split('\\n')) {
        if (/^[0-9a-f]+-[0-9a-f]+ /.test(l)) inHeap = l.endsWith('[heap]');
        else if (inHeap && l.startsWith('Rss:')) kb += Number(l.split(/\\s+/)[1]);
      }
      return kb / 1024;
    };
    let all = [];
    for (let i = 0; i < 4000; i++) all.push(Buffer.alloc(4096 * (1 + (i % 4))));
    globalThis.keep = all.filter((_, i) => i % 16 === 15);
    all = null;
    // V8 frees ArrayBuffers' memory after the GC, partly on a background thread.
    for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 50)); }
    const s = addon.stats();
    const before = heapMb();
    ${trim ? 'addon.trim();' : ''}
    console.log(JSON.stringify({
      heapBeforeMb: before, heapFellMb: before - heapMb(),
      arenaMb: s.arenaBytes / 2 ** 20, freeMb: s.freeBytes / 2 ** 20,
    }));`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as ChildResult;
}

test('trim() gives back the free pages in the middle of the brk heap, which stay resident without it', () => {
  const trimmed = child(true);
  assert.not.ok(trimmed.absent, 'the addon is not built: node scripts/build-malloc-trim.mjs');
  const control = child(false);
  const label = `trim: ${JSON.stringify(trimmed)}; control: ${JSON.stringify(control)}`;
  // ~37 MB of the 40 MB were freed; stats() sees them as free, in the arena.
  assert.ok(trimmed.freeMb > 25 && trimmed.arenaMb > trimmed.freeMb, label);
  assert.ok(trimmed.heapBeforeMb > 30 && control.heapBeforeMb > 30, label);
  assert.ok(trimmed.heapFellMb > 20, label);
  assert.ok(control.heapFellMb < 2, label);
});

test('loadMallocTrim: undefined, without throwing, where no addon was built or the file is no addon', () => {
  assert.is(loadMallocTrim('/nonexistent/hub/native/malloc-trim/build/Release/malloc_trim.node'), undefined);
  const dir = mkdtempSync(join(tmpdir(), 'drover-malloc-trim-'));
  try {
    const bad = join(dir, 'malloc_trim.node');
    writeFileSync(bad, 'not a shared object');
    assert.is(loadMallocTrim(bad), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
