// agent/kernel-file.ts: whole files through the reused buffer, including one larger than it.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readKernelFile, tryReadKernelFile } from '../../agent/kernel-file.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

test('a size-0 /proc file is read whole', () => {
  const text = readKernelFile('/proc/meminfo');
  assert.match(text, /^MemTotal:/);
  assert.match(text, /MemAvailable:\s+\d+ kB/);
});

test('a file larger than the scratch buffer, then a small one: each read whole and alone', () => {
  const dir = tempDir('drover-kernel-file-');
  const big = join(dir, 'big');
  const small = join(dir, 'small');
  writeFileSync(big, 'é'.repeat(20_000) + 'end');
  writeFileSync(small, 'short');
  assert.is(readKernelFile(big), readFileSync(big, 'utf8'));
  assert.is(readKernelFile(small), 'short');
});

test('a missing file throws ENOENT; tryReadKernelFile says undefined', () => {
  assert.throws(() => readKernelFile('/proc/no-such-file'), /ENOENT/);
  assert.is(tryReadKernelFile('/proc/no-such-file'), undefined);
});

test.after(cleanupTempDirs);
test.run();
