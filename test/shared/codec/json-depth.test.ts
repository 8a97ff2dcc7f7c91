// The linear depth scan that guards every JSON decode of outside bytes (issue #14).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JsonTooDeepError, jsonDepthExceededAt, parseJsonBounded } from '../../../shared/codec/json-depth.js';

const cases: { name: string; text: string; max: number; at: number }[] = [
  { name: 'flat object', text: '{"a":1,"b":[1,2]}', max: 2, at: -1 },
  { name: 'exactly at the limit', text: '[[["x"]]]', max: 3, at: -1 },
  { name: 'one past the limit', text: '[[[["x"]]]]', max: 3, at: 3 },
  { name: 'brackets inside strings do not count', text: '{"k":"[[[[[{{{{"}', max: 1, at: -1 },
  { name: 'escaped quote keeps the string open', text: '["\\"[[[[", 1]', max: 1, at: -1 },
  { name: 'escaped backslash closes the string', text: '["\\\\", [[1]]]', max: 2, at: 8 },
  { name: 'siblings do not add up', text: '[[1],[2],[3],[[4]]]', max: 3, at: -1 },
  { name: 'objects and arrays mixed', text: '{"a":[{"b":[{}]}]}', max: 4, at: 12 },
  { name: 'malformed text is left to JSON.parse', text: ']]]][', max: 1, at: -1 },
];

for (const c of cases)
  test(`jsonDepthExceededAt: ${c.name}`, () => {
    assert.is(jsonDepthExceededAt(c.text, c.max), c.at);
  });

test('parseJsonBounded refuses half a million brackets before parsing, with the offset', () => {
  const text = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;
  try {
    parseJsonBounded(text, 128);
    assert.unreachable('should refuse');
  } catch (e) {
    assert.instance(e, JsonTooDeepError);
    assert.is((e as JsonTooDeepError).offset, 128);
  }
});

test('parseJsonBounded parses what is within the limit, and reports syntax errors as JSON.parse does', () => {
  assert.equal(parseJsonBounded('{"a":[{"b":1}]}', 3), { a: [{ b: 1 }] });
  assert.throws(() => parseJsonBounded('{"a":', 3), SyntaxError);
});

test.run();
