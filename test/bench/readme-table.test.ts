// scripts/bench.mjs rewrites the README's benchmark table: run on a copy of the script in a
// scratch tree with a stand-in benchmark. A run rewrites only the rows and notes of the
// benchmarks it started, in their places; a stale result file of another benchmark (a partial
// run with other options, kept on this machine) leaves that benchmark's rows as they stand;
// --table-only takes every result file.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test.after(() => cleanupTempDirs());

const row = (title: string, figure: string, value: string, date: string) =>
  `| ${title} | ${figure} | ${value} | anchor | goal | \`npm run bench -- x\` | ${date} |`;

const README = `# Drover

<!-- bench:start -->
Machine: 2 x CPU, Node v20. Regenerate with \`npm run bench\`.

| benchmark | figure | Drover | anchor | goal | command | date |
|---|---|---|---|---|---|---|
${row('Fleet pods', 'hub RSS', '657 MB ✗', '2026-12-03')}
${row('Fleet across hubs', 'boards Ready', '30000 boards ✓', '2026-12-03')}

Notes:

- Fleet pods: old note
- Fleet across hubs: 30,000 boards over 3 hubs
- Store: a note of a benchmark without results here
<!-- bench:end -->
`;

function result(name: string, title: string, figure: string, value: number, notes: string[]) {
  return {
    name,
    title,
    command: `npm run bench -- ${name}`,
    date: '2026-12-04T12:00:00Z',
    machine: { cpus: 2, model: 'CPU', node: 'v20' },
    figures: [{ figure, value, unit: 'MB', met: true, anchor: 'anchor', goal: 'goal' }],
    notes,
  };
}

/** A scratch tree: the real script, a README, a stale fleet-hubs result and a stand-in fleet-pods benchmark. */
function scratch(): string {
  const dir = tempDir('drover-bench-table-');
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(ROOT, 'scripts/bench.mjs'), join(dir, 'scripts/bench.mjs'));
  mkdirSync(join(dir, 'bench/results'), { recursive: true });
  mkdirSync(join(dir, 'dist/bench/lib'), { recursive: true });
  writeFileSync(join(dir, 'dist/bench/lib/report.js'), ''); // "built": no sources newer
  writeFileSync(join(dir, 'README.md'), README);
  const stale = result('fleet-hubs', 'Fleet across hubs', 'boards Ready', 15000, ['a 15,000-board run']);
  writeFileSync(join(dir, 'bench/results/fleet-hubs.json'), JSON.stringify(stale));
  const fresh = result('fleet-pods', 'Fleet pods', 'hub RSS', 549, ['new note one', 'new note two']);
  writeFileSync(
    join(dir, 'dist/bench/fleet-pods.js'),
    `require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'bench/results/fleet-pods.json'))}, ${JSON.stringify(JSON.stringify(fresh))});`,
  );
  writeFileSync(join(dir, 'dist/package.json'), '{"type":"commonjs"}');
  return dir;
}

function bench(dir: string, ...args: string[]): string {
  const r = spawnSync(process.execPath, [join(dir, 'scripts/bench.mjs'), ...args], {
    cwd: dir,
    encoding: 'utf8',
  });
  assert.is(r.status, 0, r.stderr);
  return readFileSync(join(dir, 'README.md'), 'utf8');
}

test('a run rewrites only what it ran, rows and notes in their places', () => {
  const dir = scratch();
  const text = bench(dir, 'fleet-pods');
  const lines = text.split('\n');
  assert.ok(
    lines.some((l) => l.startsWith('| Fleet pods | hub RSS | 549 MB ✓ |')),
    'fleet-pods row rewritten',
  );
  assert.ok(
    lines.includes(row('Fleet across hubs', 'boards Ready', '30000 boards ✓', '2026-12-03')),
    'stale result left alone',
  );
  const notes = lines.filter((l) => l.startsWith('- '));
  assert.equal(notes, [
    '- Fleet pods: new note one',
    '- Fleet pods: new note two',
    '- Fleet across hubs: 30,000 boards over 3 hubs',
    '- Store: a note of a benchmark without results here',
  ]);
});

test('--table-only takes every result file', () => {
  const dir = scratch();
  bench(dir, 'fleet-pods');
  const text = bench(dir, '--table-only');
  assert.match(text, '| Fleet across hubs | boards Ready | 15000 MB ✓ |');
  assert.match(text, '- Fleet across hubs: a 15,000-board run');
  assert.not.match(text, '30,000 boards over 3 hubs');
});

test.run();
