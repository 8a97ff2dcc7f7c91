#!/usr/bin/env node
// `npm run bench`: build (tsc) when dist is older than the sources, run every benchmark in
// sequence as its own process (or only those whose name contains an argument:
// `npm run bench -- store`), then rewrite the results table in README.md between
// `<!-- bench:start -->` and `<!-- bench:end -->` from bench/results/*.json.
// Options after the names are passed to each benchmark (`npm run bench -- fleet --hold 60s`).
// `--table-only` just regenerates the README table from the existing results; otherwise only
// the results of the benchmarks this run started rewrite their rows (an older local result
// file, say of a partial run with other options, leaves the table's rows as they stand).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// Order: cheap first; the fleet run is the longest.
const BENCHMARKS = [
  'store-vs-etcd',
  'scheduler-throughput',
  'pod-startup',
  'notready-detection',
  'service-latency',
  'pull-before-stop',
  'agent-footprint',
  'metrics-cost',
  'fleet-scale',
  'fleet-pods',
  'fleet-hubs',
  'tls-connection-memory',
  'rollout',
  'api-under-load',
  'api-machinery',
  'dashboard',
];

const argv = process.argv.slice(2);
const firstOpt = argv.findIndex((a) => a.startsWith('--'));
const names = firstOpt < 0 ? argv : argv.slice(0, firstOpt);
const passOn = (firstOpt < 0 ? [] : argv.slice(firstOpt)).filter((a) => a !== '--table-only');
const tableOnly = argv.includes('--table-only');

function newestMtime(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'results') continue;
    const p = join(dir, e);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newestMtime(p) : e.endsWith('.ts') ? s.mtimeMs : 0);
  }
  return t;
}

function build() {
  const src = Math.max(...['hub', 'agent', 'shared', 'cli', 'bench'].map((d) => newestMtime(join(root, d))));
  const marker = join(root, 'dist/bench/lib/report.js');
  if (existsSync(marker) && statSync(marker).mtimeMs >= src && !argv.includes('--build')) return;
  console.log('== build (tsc)');
  // tsc emits even with type errors in files under construction; the benchmarks need only the output.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
}

/** Names of the benchmarks this run started; undefined with --table-only (every result file). */
let ran;
if (!tableOnly) {
  ran = new Set();
  build();
  const chosen = BENCHMARKS.filter((b) => names.length === 0 || names.some((n) => b.includes(n)));
  if (chosen.length === 0) {
    console.error(`no benchmark matches ${names.join(', ')}; known: ${BENCHMARKS.join(', ')}`);
    process.exit(2);
  }
  for (const b of chosen) {
    const file = join(root, 'dist/bench', `${b}.js`);
    if (!existsSync(file)) {
      console.log(`\n== ${b}: not built (${file} missing), skipped`);
      continue;
    }
    ran.add(b);
    const r = spawnSync(process.execPath, [file, ...passOn], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) console.log(`== ${b} exited with ${r.status ?? r.signal}`);
  }
}

// ---- README table ----
function cell(s) {
  return String(s ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');
}

function fmt(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return 'n/a';
  if (Math.abs(n) >= 1000) return String(Math.round(n));
  return String(Number(n.toPrecision(3)));
}

const resultsDir = join(root, 'bench/results');
const results = existsSync(resultsDir)
  ? readdirSync(resultsDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')))
      .filter((r) => !ran || ran.has(r.name))
      .sort((a, b) => {
        const ia = BENCHMARKS.indexOf(a.name);
        const ib = BENCHMARKS.indexOf(b.name);
        return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
      })
  : [];

const readme = join(root, 'README.md');
const text = readFileSync(readme, 'utf8');
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

// Rows and notes of benchmarks with no result file here (results are gitignored: each machine
// holds only what it ran) are kept from the table as it stands, and so are the rows of a
// benchmark whose latest run did not measure that figure (a partial run, e.g. fleet-pods
// --no-sizes): each row carries its own command and date.
const haveTitles = new Set(results.map((r) => r.title));
const oldBlock =
  text.includes(START) && text.includes(END) ? text.slice(text.indexOf(START), text.indexOf(END)) : '';
const rowTitle = (l) => l.split(' | ')[0].slice(2);
const rowFigure = (l) => l.split(' | ')[1];
const oldRows = oldBlock.split('\n').filter((l) => /^\| (?!benchmark \|)(?!---)/.test(l));
const keptRows = oldRows.filter((l) => !haveTitles.has(rowTitle(l)));
// Notes keep their places too: a refreshed benchmark's new notes stand where its old ones began.
const noteTitle = (l) => [...haveTitles].find((t) => l.startsWith(`- ${t}: `));
const freshNotes = (title) =>
  results.filter((r) => r.title === title).flatMap((r) => r.notes.map((n) => `- ${r.title}: ${n}`));
const placedNotes = new Set();
const notesInPlace = oldBlock
  .split('\n')
  .filter((l) => l.startsWith('- '))
  .flatMap((l) => {
    const t = noteTitle(l);
    if (t === undefined) return [l];
    if (placedNotes.has(t)) return [];
    placedNotes.add(t);
    return freshNotes(t);
  });
const oldMachine = /^Machine: (.*)\. Regenerate/m.exec(oldBlock)?.[1];

const lines = [];
const machines = [
  ...new Set([
    ...results.map((r) => `${r.machine.cpus} x ${r.machine.model}, Node ${r.machine.node}`),
    ...(keptRows.length && oldMachine ? oldMachine.split('; ') : []),
  ]),
];
lines.push(`Machine: ${machines.join('; ') || 'no results yet'}. Regenerate with \`npm run bench\`.`);
lines.push('');
lines.push('| benchmark | figure | Drover | anchor | goal | command | date |');
lines.push('|---|---|---|---|---|---|---|');
const rows = new Map(); // title -> rows, in BENCHMARKS order with kept ones where they were
for (const l of keptRows) {
  const title = rowTitle(l);
  rows.set(title, [...(rows.get(title) ?? []), l]);
}
for (const r of results) {
  const fresh = new Map(); // figure -> row
  for (const f of r.figures) {
    const verdict = f.met === undefined ? '' : f.met ? ' ✓' : ' ✗';
    const value = `${fmt(f.value)} ${f.unit}${verdict}${f.note ? ` (${f.note})` : ''}`;
    fresh.set(
      cell(f.figure),
      `| ${cell(r.title)} | ${cell(f.figure)} | ${cell(value)} | ${cell(f.anchor)} | ${cell(f.goal)} | \`${cell(r.command)}\` | ${r.date.slice(0, 10)} |`,
    );
  }
  // Old rows keep their places (replaced where measured again); new figures follow.
  const out = oldRows.filter((l) => rowTitle(l) === r.title).map((l) => fresh.get(rowFigure(l)) ?? l);
  for (const l of fresh.values()) if (!out.includes(l)) out.push(l);
  rows.set(r.title, out);
}
// The table keeps its order; benchmarks new to it follow in BENCHMARKS order.
const oldTitles = [
  ...new Set(
    oldBlock
      .split('\n')
      .filter((l) => /^\| (?!benchmark \|)(?!---)/.test(l))
      .map(rowTitle),
  ),
];
const titles = [
  ...oldTitles.filter((t) => rows.has(t)),
  ...results.map((r) => r.title).filter((t) => !oldTitles.includes(t)),
];
for (const title of titles) lines.push(...rows.get(title));
const notes = [
  ...notesInPlace,
  ...results
    .filter((r) => !placedNotes.has(r.title))
    .flatMap((r) => r.notes.map((n) => `- ${r.title}: ${n}`)),
];
if (notes.length) lines.push('', 'Notes:', '', ...notes);

const block = `${START}\n${lines.join('\n')}\n${END}`;
let next;
if (text.includes(START) && text.includes(END)) {
  next = text.slice(0, text.indexOf(START)) + block + text.slice(text.indexOf(END) + END.length);
} else {
  const intro =
    '## Benchmarks\n\n`npm run bench` runs every benchmark in `bench/` (`npm run bench -- store` runs one) and\n' +
    'rewrites this table from `bench/results/*.json`; each figure sits beside the published figure it\n' +
    'is measured against.\n\n';
  next = `${text.replace(/\s*$/, '')}\n\n${intro}${block}\n`;
}
if (next !== text) writeFileSync(readme, next);
console.log(`\n== README.md benchmark table: ${results.length} result file(s)`);
