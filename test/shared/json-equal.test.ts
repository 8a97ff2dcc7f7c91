// jsonEqual decides as util.isDeepStrictEqual does on JSON data: a property over pairs of
// arbitrary JSON values (equal ones made by a copy with its keys reordered, unequal ones by
// one change), and the cases that matter named in a table.

import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jsonEqual, jsonEqualInOrder } from '../../shared/json-equal.js';
import { assertProperty } from '../helpers/property.js';

/**
 * A deep copy with every object's keys in reverse order. Object.fromEntries defines each key:
 * JSON.parse makes `__proto__` an own key (fc.jsonValue does too), which `out[k] = ...` would
 * take as the prototype (fast-check found it: seed -2142771093).
 */
function reordered(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reordered);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(o)
      .reverse()
      .map((k) => [k, reordered(o[k])]),
  );
}

test('agrees with isDeepStrictEqual on arbitrary JSON values', async () => {
  await assertProperty(
    fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
      assert.is(jsonEqual(a, b), isDeepStrictEqual(a, b));
      assert.ok(jsonEqual(a, reordered(a)), 'a reordered copy is equal');
      assert.is(jsonEqual(a, reordered(a)), isDeepStrictEqual(a, reordered(a)));
    }),
    { numRuns: 500 },
  );
});

const cases: [string, unknown, unknown, boolean][] = [
  ['key order does not matter', { a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
  ['an undefined property counts', { a: 1, b: undefined }, { a: 1 }, false],
  ['array against object with the same keys', [1, 2], { 0: 1, 1: 2 }, false],
  ['-0 and 0 differ (strict)', { n: -0 }, { n: 0 }, false],
  ['NaN equals NaN', [Number.NaN], [Number.NaN], true],
  ['null against an empty object', null, {}, false],
  ['a longer array', [1, 2], [1, 2, 3], false],
  ['"1" against 1', { a: '1' }, { a: 1 }, false],
];
for (const [name, a, b, want] of cases)
  test(name, () => {
    assert.is(jsonEqual(a, b), want);
    assert.is(isDeepStrictEqual(a, b), want, 'isDeepStrictEqual agrees');
  });

// jsonEqualInOrder: equal exactly when JSON.stringify gives the same text (JSON data without
// undefined or -0, which fc.jsonValue does not make).
test('jsonEqualInOrder agrees with JSON.stringify on arbitrary JSON values', async () => {
  await assertProperty(
    fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
      assert.is(jsonEqualInOrder(a, b), JSON.stringify(a) === JSON.stringify(b));
      assert.ok(jsonEqualInOrder(a, structuredClone(a)), 'a copy is equal');
      assert.is(jsonEqualInOrder(a, reordered(a)), JSON.stringify(a) === JSON.stringify(reordered(a)));
    }),
    { numRuns: 500 },
  );
});

test('jsonEqualInOrder: key order matters', () => {
  assert.not.ok(jsonEqualInOrder({ a: 1, b: 2 }, { b: 2, a: 1 }));
  assert.ok(jsonEqualInOrder({ a: [1, { c: 2 }] }, { a: [1, { c: 2 }] }));
});

test.run();
