// The agent must run on Node 18 with no native module and no hub code. There is no Node 18
// binary here, so this walks the compiled agent's import graph and checks:
//   - every bare import is a node: builtin or one of the allowed pure-JS packages;
//   - nothing under hub/ or cli/ is reached;
//   - no API newer than Node 18.0 appears (denylist below), and fs.statfs (18.15) only guarded.
// The ES level is held by tsconfig `lib: ["ES2022"]` (Node 18 supports all of ES2022), so
// ES2023+ methods (toSorted, Object.groupBy...) already fail to type-check. Also checked once by
// hand: `tsc` over agent/main.ts against @types/node@18.15 reports no error in agent/ files.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ALLOWED_PACKAGES = new Set(['mqtt', 'dockerode']);

const NEWER_THAN_18: [RegExp, string][] = [
  [/import\.meta\.(dirname|filename)/, 'import.meta.dirname/filename (Node 20.11)'],
  [/AbortSignal\.any/, 'AbortSignal.any (Node 20.3)'],
  [/Promise\.withResolvers/, 'Promise.withResolvers (Node 22)'],
  [/\b(Object|Map)\.groupBy/, 'Object/Map.groupBy (Node 21)'],
  [/Array\.fromAsync/, 'Array.fromAsync (Node 22)'],
  [/process\.getBuiltinModule/, 'process.getBuiltinModule (Node 22)'],
  [/\bglobSync\b|\bfsp?\.glob\b/, 'fs.glob (Node 22)'],
  [/availableParallelism/, 'os.availableParallelism (Node 18.14)'],
  [/\.(toSorted|toReversed|toSpliced)\(/, 'ES2023 array copies (Node 20)'],
  [/isWellFormed|toWellFormed/, 'String well-formed (Node 20)'],
  [/new WebSocket\b|navigator\./, 'WebSocket / navigator globals (Node 21+)'],
  [/\bfetch\(/, 'global fetch (experimental in Node 18)'],
  [/\breaddir[A-Za-z]*\([^)]*recursive/, 'readdir recursive (Node 20.1)'],
];

function specifiers(src: string, dynamic = true): string[] {
  const out: string[] = [];
  for (const m of src.matchAll(
    /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
  ))
    if (m[1] || dynamic) out.push(m[1] ?? m[2]);
  return out;
}

function graph(entry: string, dynamic = true): { files: string[]; bare: Set<string> } {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const s of specifiers(readFileSync(f, 'utf8'), dynamic)) {
      if (s.startsWith('.')) todo.push(resolve(dirname(f), s));
      else bare.add(s);
    }
  }
  return { files: [...seen], bare };
}

const entry = join(dist, 'agent/main.js');

test('agent import graph: builtins and allowed packages only, no hub or cli code', () => {
  assert.ok(existsSync(entry), 'build first');
  const { files, bare } = graph(entry);
  assert.ok(files.length > 5, `walked ${files.length} files`);
  for (const f of files) {
    const rel = relative(dist, f);
    assert.ok(rel.startsWith('agent/') || rel.startsWith('shared/'), `agent reaches ${rel}`);
  }
  for (const b of bare)
    assert.ok(b.startsWith('node:') || ALLOWED_PACKAGES.has(b), `agent imports package ${b}`);
});

test('agent code uses no API newer than Node 18.0 (statfs guarded)', () => {
  const { files } = graph(entry);
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    for (const [re, what] of NEWER_THAN_18) assert.not.ok(re.test(src), `${relative(dist, f)} uses ${what}`);
    if (/statfs/.test(src))
      assert.ok(/typeof statfs === 'function'/.test(src), `${relative(dist, f)}: unguarded fs.statfs`);
  }
});

test('`drover agent` loads no hub code: the CLI entry imports other commands lazily', () => {
  for (const start of ['cli/main.js', 'cli/commands/agent.js']) {
    for (const f of graph(join(dist, start), false).files) {
      const rel = relative(dist, f);
      assert.ok(!rel.startsWith('hub/'), `${start} statically reaches ${rel}`);
    }
  }
  const main = readFileSync(join(dist, 'cli/main.js'), 'utf8');
  assert.ok(
    specifiers(main, false).every((s) => !s.includes('commands/')),
    'commands are dynamic imports',
  );
});

test('the allowed packages declare Node 18 support', () => {
  for (const p of ALLOWED_PACKAGES) {
    const pkg = JSON.parse(readFileSync(join(dist, '..', 'node_modules', p, 'package.json'), 'utf8'));
    const range: string = pkg.engines?.node ?? '>=0';
    const min = Number(/>=\s*(\d+)/.exec(range)?.[1] ?? 0);
    assert.ok(min <= 18, `${p} requires node ${range}`);
  }
});

test.run();
