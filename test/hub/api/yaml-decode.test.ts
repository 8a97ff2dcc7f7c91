// YAML bodies: bounded nesting and aliases in the decoder, and the worker pool's time budget,
// queue bound and recovery (issue #14). The pool is the real worker thread.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError } from '../../../hub/api/errors.js';
import { decodeYaml, flowDepthExceeds } from '../../../hub/api/http/yaml/decode.js';
import { YamlDecodePool } from '../../../hub/api/http/yaml/pool.js';

const LIMITS = { maxDepth: 16, maxAliasCount: 100, maxJsonChars: 1_000_000 };

function bomb(levels: number): string {
  let s = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
  let prev = 'a';
  for (let i = 1; i <= levels; i++) {
    s += `b${i}: &b${i} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
    prev = `b${i}`;
  }
  return s;
}

/** Text nested `depth` levels, expanded deeper: each alias puts the anchor one level down. */
function aliasDeepening(depth: number): string {
  const inner = `${'['.repeat(depth - 2)}x${']'.repeat(depth - 2)}`;
  return `a: &a ${inner}\nb: [[*a]]\n`;
}

const refused: { name: string; src: string; message: RegExp }[] = [
  {
    name: 'deep flow sequences',
    src: `a: ${'['.repeat(5000)}${']'.repeat(5000)}`,
    message: /deeper than 16 levels/,
  },
  { name: 'deep flow maps', src: `${'{a: '.repeat(40)}1${'}'.repeat(40)}`, message: /deeper than 16 levels/ },
  { name: 'deep compact block sequences', src: `${'- '.repeat(3000)}x`, message: /deeper than 16 levels/ },
  {
    name: 'deep block maps',
    src: Array.from({ length: 30 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'),
    message: /deeper than 16 levels/,
  },
  { name: 'alias bomb', src: bomb(11), message: /cannot be expanded: Excessive alias count/ },
  { name: 'two documents', src: 'a: 1\n---\nb: 2\n', message: /2 YAML documents/ },
  { name: 'syntax error with its place', src: 'a: [1, 2\nb: }', message: /at line \d+, column \d+/ },
];

for (const c of refused)
  test(`decodeYaml refuses ${c.name}`, () => {
    const r = decodeYaml(c.src, LIMITS);
    assert.is(r.ok, false);
    if (!r.ok) assert.match(r.message, c.message);
  });

test('flowDepthExceeds: flow indicators only, not brackets inside scalars or comments', () => {
  const deep = (n: number) => `a: ${'['.repeat(n)}x${']'.repeat(n)}\n`;
  assert.ok(flowDepthExceeds(deep(17), 16));
  assert.ok(flowDepthExceeds(`${'{a: '.repeat(17)}1${'}'.repeat(17)}`, 16));
  assert.ok(flowDepthExceeds(`a: ${'['.repeat(200_000)}`, 16), 'an unclosed one too');
  assert.not.ok(flowDepthExceeds(deep(16), 16), 'at the limit');
  assert.not.ok(flowDepthExceeds(`a: [${'[x], '.repeat(100)}[y]]\n`, 16), 'wide, not deep');
  const b = '['.repeat(40);
  for (const src of [
    `a: "${b}"\n`,
    `a: '${b}'\n`,
    `a: x${b}\n`,
    `a: |\n  ${b}\n  ${'{'.repeat(40)}\nb: [1]\n`,
    `a: [ # ${b}\n  x]\n`,
  ])
    assert.not.ok(flowDepthExceeds(src, 16), src);
});

test('decodeYaml: a normal manifest becomes its JSON', () => {
  const r = decodeYaml('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  k: "v"\n', LIMITS);
  assert.equal(r, {
    ok: true,
    json: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"k":"v"}}',
  });
});

function pool(o: Partial<ConstructorParameters<typeof YamlDecodePool>[0]> = {}) {
  return new YamlDecodePool({ ...LIMITS, timeoutMs: 10_000, maxQueue: 4, maxHeapMb: 64, ...o });
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, ApiError);
    return e as ApiError;
  }
  throw new Error('expected a refusal');
}

test('pool: aliases that nest deeper than the text does are refused after expansion', async () => {
  const p = pool();
  try {
    const e = await refusal(p.decode(aliasDeepening(16)));
    assert.is(e.code, 400);
    assert.match(e.message, /deeper than 16 levels once its aliases are expanded/);
  } finally {
    await p.close();
  }
});

test('pool: a body over its time budget is a 400, and the next body is decoded by a fresh worker', async () => {
  const p = pool({ timeoutMs: 50, maxDepth: 100_000 });
  try {
    const slow = `a: [${Array(300_000).fill('x').join(',')}]`;
    const e = await refusal(p.decode(slow));
    assert.is(e.code, 400);
    assert.match(e.message, /took longer than 50 ms/);
  } finally {
    await p.close();
  }
  const q = pool();
  try {
    assert.equal(await q.decode('a: 1'), { a: 1 });
  } finally {
    await q.close();
  }
});

test('pool: bodies past the queue bound get 429 while earlier ones are still answered', async () => {
  const p = pool({ maxQueue: 2 });
  try {
    const all = Array.from({ length: 6 }, (_, i) =>
      p.decode(`n: ${i}`).then(
        (v) => ({ v }),
        (e: ApiError) => ({ e }),
      ),
    );
    const out = await Promise.all(all);
    const ok = out.filter((o) => 'v' in o);
    const busy = out.filter((o) => 'e' in o && o.e.code === 429);
    assert.ok(ok.length >= 2, `some bodies decoded: ${JSON.stringify(out)}`);
    assert.is(ok.length + busy.length, 6, JSON.stringify(out));
    assert.ok(busy.length >= 1, 'the queue bound refused some');
  } finally {
    await p.close();
  }
});

test.run();
