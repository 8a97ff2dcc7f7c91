import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  fromLabelSelector,
  LabelSelectorError,
  matches,
  parseSelector,
  selectorToString,
} from '../../../shared/api/labels.js';

const labels = { app: 'web', tier: 'front', n: '5' };

const cases: [string, boolean][] = [
  ['', true],
  ['app=web', true],
  ['app==web', true],
  ['app=db', false],
  ['app!=db', true],
  ['app!=web', false],
  ['missing!=x', true],
  ['app in (web,db)', true],
  ['app in (db)', false],
  ['app notin (db)', true],
  ['app notin (web, db)', false],
  ['missing notin (x)', true],
  ['app', true],
  ['missing', false],
  ['!missing', true],
  ['!app', false],
  ['app=web,tier=front', true],
  ['app=web,tier=back', false],
  ['app = web , tier in ( front )', true],
  ['n>4', true],
  ['n<5', false],
  ['example.com/role', false],
];
for (const [sel, want] of cases) {
  test(`selector ${JSON.stringify(sel)} -> ${want}`, () =>
    assert.is(matches(parseSelector(sel), labels), want));
}

for (const bad of [
  'app=web,',
  'a in x',
  'a in (',
  '=x',
  'a b',
  'a in ()',
  'a=b=c',
  'n>x',
  'Bad Key!',
  'a=-bad-',
]) {
  test(`selector rejects ${JSON.stringify(bad)}`, () => {
    assert.throws(
      () => parseSelector(bad),
      (e: unknown) => e instanceof LabelSelectorError,
    );
  });
}

test('LabelSelector objects', () => {
  const s = fromLabelSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['front', 'back'] },
      { key: 'gone', operator: 'DoesNotExist' },
    ],
  });
  assert.ok(matches(s, labels));
  assert.not.ok(matches(s, { app: 'web', tier: 'mid' }));
  assert.ok(matches(fromLabelSelector(undefined), {}));
  assert.throws(() => fromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }));
});

test('selectorToString round-trips', () => {
  const s = 'a=b,c!=d,e in (x,y),f notin (z),g,!h';
  assert.is(selectorToString(parseSelector(s)), s);
});

test.run();
