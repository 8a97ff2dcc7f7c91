// FieldSet algebra (union, difference, intersection) and its FieldsV1 round trip, on paths
// with keyed-list and set-list elements.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type FieldPath, FieldSet } from '../../../../hub/api/apply/field-set.js';

const image: FieldPath = ['f:spec', 'f:containers', 'k:{"name":"c"}', 'f:image'];
const elem: FieldPath = ['f:spec', 'f:containers', 'k:{"name":"c"}', '.'];
const replicas: FieldPath = ['f:spec', 'f:replicas'];
const finalizer: FieldPath = ['f:metadata', 'f:finalizers', 'v:"x"'];

const sorted = (s: FieldSet) => [...s].map((p) => p.join('/')).sort();

const cases: [string, FieldSet, 'union' | 'difference' | 'intersection', FieldSet, FieldPath[]][] = [
  ['union', FieldSet.of([image, elem]), 'union', FieldSet.of([elem, replicas]), [elem, image, replicas]],
  ['union with empty', FieldSet.of([finalizer]), 'union', new FieldSet(), [finalizer]],
  ['difference', FieldSet.of([image, elem, replicas]), 'difference', FieldSet.of([elem]), [image, replicas]],
  ['difference of disjoint', FieldSet.of([image]), 'difference', FieldSet.of([replicas]), [image]],
  [
    'intersection',
    FieldSet.of([image, elem, finalizer]),
    'intersection',
    FieldSet.of([finalizer, elem]),
    [elem, finalizer],
  ],
  ['intersection of disjoint', FieldSet.of([image]), 'intersection', FieldSet.of([replicas]), []],
];

for (const [name, a, op, b, want] of cases)
  test(`FieldSet ${name}`, () => {
    const before = sorted(a);
    const got = a[op](b);
    assert.equal(sorted(got), sorted(FieldSet.of(want)));
    assert.equal(sorted(a), before, 'the operands are not changed');
  });

test('FieldsV1 round trip keeps every leaf path', () => {
  const s = FieldSet.of([image, elem, replicas, finalizer]);
  assert.equal(sorted(FieldSet.fromFieldsV1(s.toFieldsV1())), sorted(s));
});

test.run();
