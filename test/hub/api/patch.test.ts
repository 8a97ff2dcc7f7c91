import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyJsonPatch, JsonPatchError } from '../../../hub/api/patch/json-patch.js';
import { mergePatch } from '../../../hub/api/patch/merge.js';
import { strategicMerge } from '../../../hub/api/patch/strategic.js';

const pod = {
  metadata: { name: 'p', labels: { a: '1', b: '2' }, finalizers: ['x'] },
  spec: {
    containers: [
      { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }] },
      { name: 'side', image: 'side:1' },
    ],
    tolerations: [{ key: 't1', operator: 'Exists' }],
  },
  status: {
    conditions: [
      { type: 'Ready', status: 'False' },
      { type: 'PodScheduled', status: 'True' },
    ],
  },
};

test('merge patch: maps merge, null deletes, lists replace', () => {
  const out = mergePatch(pod, {
    metadata: { labels: { a: null, c: '3' } },
    spec: { containers: [{ name: 'only' }] },
  }) as typeof pod;
  assert.equal(out.metadata.labels, { b: '2', c: '3' } as never);
  assert.is(out.spec.containers.length, 1);
  assert.is(pod.metadata.labels.a, '1', 'input untouched');
});

const smp: [string, unknown, (o: typeof pod) => void][] = [
  [
    'containers merge by name, image changes, others kept',
    { spec: { $setElementOrder: 1, containers: [{ name: 'app', image: 'app:2' }] } },
    (o) => {
      assert.is(o.spec.containers.length, 2);
      assert.is(o.spec.containers[0].image, 'app:2');
      assert.equal(o.spec.containers[0].env, [{ name: 'A', value: '1' }]);
    },
  ],
  [
    'env merges by name inside a container',
    { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '2' }] }] } },
    (o) =>
      assert.equal(o.spec.containers[0].env, [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ]),
  ],
  [
    'ports merge by containerPort',
    {
      spec: {
        containers: [{ name: 'app', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }],
      },
    },
    (o) =>
      assert.equal(o.spec.containers[0].ports, [{ containerPort: 80, name: 'http' }, { containerPort: 443 }]),
  ],
  [
    '$patch: delete removes a list element',
    { spec: { containers: [{ name: 'side', $patch: 'delete' }] } },
    (o) =>
      assert.equal(
        o.spec.containers.map((c) => c.name),
        ['app'],
      ),
  ],
  [
    '$patch: replace replaces a list',
    { spec: { containers: [{ name: 'new', image: 'n' }, { $patch: 'replace' }] } },
    (o) => assert.equal(o.spec.containers, [{ name: 'new', image: 'n' }] as never),
  ],
  [
    'conditions merge by type',
    { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    (o) =>
      assert.equal(o.status.conditions, [
        { type: 'Ready', status: 'True' },
        { type: 'PodScheduled', status: 'True' },
      ]),
  ],
  [
    'tolerations replace (no merge key upstream)',
    { spec: { tolerations: [{ key: 't2', operator: 'Exists' }] } },
    (o) => assert.equal(o.spec.tolerations, [{ key: 't2', operator: 'Exists' }]),
  ],
  [
    'finalizers merge as a set; $deleteFromPrimitiveList removes',
    { metadata: { finalizers: ['y'], '$deleteFromPrimitiveList/finalizers': ['x'] } },
    (o) => assert.equal(o.metadata.finalizers, ['y']),
  ],
  [
    'null deletes a map key; $setElementOrder is ignored',
    {
      metadata: { labels: { a: null } },
      spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }] },
    },
    (o) => {
      assert.equal(o.metadata.labels, { b: '2' } as never);
      assert.is(o.spec.containers.length, 2);
    },
  ],
  [
    '$retainKeys drops unlisted keys',
    { spec: { $retainKeys: ['containers'] } },
    (o) => assert.equal(Object.keys(o.spec), ['containers']),
  ],
];
for (const [name, patch, check] of smp) {
  test(`strategic: ${name}`, () => check(strategicMerge(structuredClone(pod), patch) as typeof pod));
}

test('json patch ops', () => {
  const out = applyJsonPatch(pod, [
    { op: 'replace', path: '/spec/containers/0/image', value: 'app:3' },
    { op: 'add', path: '/metadata/labels/c', value: '3' },
    { op: 'remove', path: '/metadata/labels/a' },
    { op: 'add', path: '/spec/containers/-', value: { name: 'third' } },
    { op: 'copy', from: '/metadata/name', path: '/metadata/labels/name' },
    { op: 'move', from: '/metadata/labels/b', path: '/metadata/labels/bb' },
    { op: 'test', path: '/metadata/labels/c', value: '3' },
    { op: 'add', path: '/metadata/annotations', value: { 'x~y/z': '1' } },
    { op: 'replace', path: '/metadata/annotations/x~0y~1z', value: '2' },
  ]) as typeof pod & { metadata: { annotations: Record<string, string> } };
  assert.is(out.spec.containers[0].image, 'app:3');
  assert.equal(out.metadata.labels, { c: '3', name: 'p', bb: '2' } as never);
  assert.is(out.spec.containers.length, 3);
  assert.equal(out.metadata.annotations, { 'x~y/z': '2' });
});

for (const [name, ops] of [
  ['failing test', [{ op: 'test', path: '/metadata/name', value: 'q' }]],
  ['missing path', [{ op: 'remove', path: '/nope/x' }]],
  ['bad op', [{ op: 'frob', path: '/x' }]],
  ['not an array', { op: 'add' }],
  ['prototype pollution', [{ op: 'add', path: '/__proto__/polluted', value: 1 }]],
  ['index out of range', [{ op: 'replace', path: '/spec/containers/9', value: {} }]],
] as [string, unknown][]) {
  test(`json patch rejects ${name}`, () => {
    assert.throws(
      () => applyJsonPatch(pod, ops),
      (e: unknown) => e instanceof JsonPatchError,
    );
  });
}

test.run();
