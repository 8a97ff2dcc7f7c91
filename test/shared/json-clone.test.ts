// jsonClone gives what JSON.parse(JSON.stringify(v)) gives: a property over arbitrary values
// (fast-check's anything: undefined, NaN, -0, symbols-free objects, arrays with holes, dates),
// the cases that differ from a plain recursive copy named in a table, and a copy that shares
// nothing with its source.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonClone } from '../../shared/json-clone.js';
import { assertProperty } from '../helpers/property.js';

const viaJson = (v: unknown) => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

test('equals the JSON round trip on arbitrary values', async () => {
  await assertProperty(
    fc.property(
      fc.anything({ withDate: true, withNullPrototype: true, withSparseArray: true, withBoxedValues: false }),
      (v) => {
        assert.equal(jsonClone(v), viaJson(v));
        assert.is(JSON.stringify(jsonClone(v)), JSON.stringify(v));
      },
    ),
    { numRuns: 500 },
  );
});

const holey: number[] = new Array(3);
holey[0] = 1;
holey[2] = 3;

const cases: [string, unknown, unknown][] = [
  ['undefined property left out', { a: 1, b: undefined }, { a: 1 }],
  ['function property left out', { a: 1, f: () => 1 }, { a: 1 }],
  [
    'undefined, function and symbol elements become null',
    [undefined, () => 1, Symbol('s'), 2],
    [null, null, null, 2],
  ],
  ['NaN and Infinity become null', { n: Number.NaN, i: [Number.POSITIVE_INFINITY] }, { n: null, i: [null] }],
  ['a Date becomes its ISO string', { t: new Date(0) }, { t: '1970-01-01T00:00:00.000Z' }],
  ['a hole becomes null', holey, [1, null, 3]],
];
for (const [name, input, want] of cases)
  test(name, () => {
    assert.equal(jsonClone(input), want);
    assert.equal(jsonClone(input), viaJson(input));
  });

test('an own __proto__ key stays a key (as JSON.parse made it), the prototype untouched', () => {
  const hostile = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
  const c = jsonClone(hostile);
  assert.is(Object.getPrototypeOf(c), Object.prototype);
  assert.is((c as { polluted?: boolean }).polluted, undefined);
  assert.equal(Object.keys(c), ['__proto__', 'a']);
  assert.is(JSON.stringify(c), JSON.stringify(hostile));
});

test('the copy shares nothing with its source', () => {
  const src = { a: { b: [1, { c: 2 }] } };
  const c = jsonClone(src);
  (c.a.b[1] as { c: number }).c = 3;
  (c.a.b as unknown[]).push(4);
  assert.equal(src, { a: { b: [1, { c: 2 }] } });
});

test('a cycle throws, as JSON.stringify does', () => {
  const o: Record<string, unknown> = {};
  o.self = o;
  assert.throws(() => jsonClone(o));
});

test.run();
