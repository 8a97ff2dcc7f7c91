// The pods cgroup's memory.available from cgroup files laid out as the kernel does (v2: one
// directory per cgroup; v1: under the memory controller): limit minus (usage - inactive file),
// none without a limit or when the files cannot be read.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cgroupMemory } from '../../../agent/pressure/cgroup-memory.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';

const MiB = 1024 * 1024;

function layout(files: Record<string, string>): string {
  const root = tempDir('cgroup-memory-');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const cases: [string, Record<string, string>, { available: number; capacity: number } | undefined][] = [
  [
    'v2',
    {
      'pods/memory.max': `${200 * MiB}\n`,
      'pods/memory.current': `${90 * MiB}\n`,
      'pods/memory.stat': `anon ${60 * MiB}\nfile ${30 * MiB}\ninactive_file ${20 * MiB}\n`,
    },
    { available: 130 * MiB, capacity: 200 * MiB },
  ],
  ['v2 without a limit', { 'pods/memory.max': 'max\n', 'pods/memory.current': '1\n' }, undefined],
  [
    'v1',
    {
      'memory/pods/memory.limit_in_bytes': `${200 * MiB}\n`,
      'memory/pods/memory.usage_in_bytes': `${50 * MiB}\n`,
      'memory/pods/memory.stat': `cache ${10 * MiB}\ninactive_file ${9 * MiB}\ntotal_inactive_file ${10 * MiB}\n`,
    },
    { available: 160 * MiB, capacity: 200 * MiB },
  ],
  [
    'v1 unlimited',
    {
      'memory/pods/memory.limit_in_bytes': '9223372036854771712\n',
      'memory/pods/memory.usage_in_bytes': '1\n',
    },
    undefined,
  ],
  ['no such cgroup', {}, undefined],
];

for (const [name, files, want] of cases)
  test(`cgroup memory: ${name}`, async () => {
    assert.equal(await cgroupMemory('/pods', layout(files)), want);
  });

test.after(() => cleanupTempDirs());

test.run();
