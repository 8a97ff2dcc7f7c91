#!/usr/bin/env node
// `npm run chaos`: the chaos suite in its full form (test/chaos/*.test.ts with DROVER_CHAOS=full:
// more pods, more kill cycles, a 3-minute hold under the bad link), through the test runner
// (build, lint, test environment, each file its own process), then the README's chaos table
// rewritten from the cases' records (bench/results/chaos/*.json, between `<!-- chaos:start -->`
// and `<!-- chaos:end -->`). `npm test` runs the same cases in their short form.
// `npm run chaos -- kill9` runs the matching cases only; `--table-only` just rewrites the table.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const resultsDir = join(root, 'bench/results/chaos');
const argv = process.argv.slice(2);
const names = argv.filter((a) => !a.startsWith('--'));
let status = 0;

if (!argv.includes('--table-only')) {
  mkdirSync(resultsDir, { recursive: true });
  const filters = names.length ? names.map((n) => `test/chaos/${n}`) : ['test/chaos/'];
  const r = spawnSync(process.execPath, [join(root, 'scripts/test.mjs'), ...filters], {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      DROVER_CHAOS: 'full',
      DROVER_CHAOS_RESULTS: resultsDir,
      DROVER_TEST_FILE_TIMEOUT_MS: process.env.DROVER_TEST_FILE_TIMEOUT_MS ?? '900000',
      // The full forms (500 boards, minutes under a bad link) keep two files at a time: the
      // three of `npm test` were measured on the short forms only.
      DROVER_TEST_CONCURRENCY: process.env.DROVER_TEST_CONCURRENCY ?? '2',
    },
  });
  status = r.status ?? 1;
}

const cell = (s) =>
  String(s ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
const results = existsSync(resultsDir)
  ? readdirSync(resultsDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')))
      .sort((a, b) => a.name.localeCompare(b.name))
  : [];
const readme = join(root, 'README.md');
const text = readFileSync(readme, 'utf8');
const START = '<!-- chaos:start -->';
const END = '<!-- chaos:end -->';
// Rows of cases with no record here (records are gitignored: each machine holds only what it
// ran, e.g. `npm run chaos -- hub-`) are kept from the table as it stands.
const oldBlock =
  text.includes(START) && text.includes(END) ? text.slice(text.indexOf(START), text.indexOf(END)) : '';
const ran = new Set(results.map((r) => cell(r.title)));
const kept = oldBlock
  .split('\n')
  .filter((l) => /^\| (?!case \|)(?!---)/.test(l) && !ran.has(l.split(' | ')[0].slice(2)));
const rows = [
  ...kept,
  ...results.map(
    (r) =>
      `| ${cell(r.title)} | ${cell(r.did.join('; '))} | ${cell(r.checked.join('; '))} | ${r.passed ? 'passed' : 'FAILED'} | ${r.form}, ${(r.durationMs / 1000).toFixed(0)} s | ${r.date.slice(0, 10)} |`,
  ),
];
const lines = [
  'Regenerate with `npm run chaos` (each case also runs, shorter, in `npm test`).',
  '',
  '| case | what it did | what it checked | result | form, time | date |',
  '|---|---|---|---|---|---|',
  ...rows,
];
const block = `${START}\n${lines.join('\n')}\n${END}`;
const next =
  text.includes(START) && text.includes(END)
    ? text.slice(0, text.indexOf(START)) + block + text.slice(text.indexOf(END) + END.length)
    : `${text.replace(/\s*$/, '')}\n\n## Chaos suite\n\nReal processes under real faults: kill -9, a lossy slow link (network namespace), a full disk.\n\n${block}\n`;
if (next !== text) writeFileSync(readme, next);
console.log(`\n== README.md chaos table: ${results.length} case(s)`);
process.exit(status);
