// asWritten: the object a write returns without parsing its stored bytes back must be exactly
// what fromKv reads from that row (same JSON, same key order), whatever resourceVersion the
// object carried in. The 422 causes every validator shares say what upstream's field errors say.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubeObject } from '../../../shared/api/types.js';
import { asWritten, fromKv, notSupported, required, toValue } from '../../../hub/api/meta.js';
import type { ResourceDef } from '../../../hub/api/resource.js';

const cases: [string, KubeObject][] = [
  ['no resourceVersion', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'n' } }],
  [
    'a stale resourceVersion in the middle of metadata',
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', resourceVersion: '3', labels: { x: 'y' }, namespace: 'n' },
      data: { k: 'v' },
    } as KubeObject,
  ],
  [
    'nested spec and status',
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'n', uid: 'u', generation: 2 },
      spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] },
      status: { phase: 'Running' },
    } as KubeObject,
  ],
];

for (const [name, obj] of cases)
  test(`asWritten equals fromKv of the written row: ${name}`, () => {
    const kv = { key: '/k', value: toValue(obj), createRevision: 7, modRevision: 9 };
    const expected = JSON.stringify(fromKv(kv));
    const got = asWritten(structuredClone(obj), kv);
    assert.is(JSON.stringify(got), expected);
    assert.is(got.metadata.resourceVersion, '9');
  });

test('metadata copied without resourceVersion: an own "__proto__" key stays a key, the prototype untouched', () => {
  const value =
    '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","__proto__":{"polluted":true},"resourceVersion":"4","uid":"u"}}';
  const kv = { key: '/k', value, createRevision: 1, modRevision: 5 };
  const o = fromKv(kv);
  assert.equal(Object.keys(o.metadata), ['name', '__proto__', 'uid', 'resourceVersion']);
  assert.is(Object.getPrototypeOf(o.metadata), Object.prototype);
  assert.is((o.metadata as Record<string, unknown>).polluted, undefined);
  assert.is(o.metadata.resourceVersion, '5');
  const stored = JSON.parse(toValue(o)) as KubeObject;
  assert.equal(Object.keys(stored.metadata), ['name', '__proto__', 'uid']);
});

test('asWritten equals fromKv for a custom resource read through another served version', () => {
  const def = { custom: true, group: 'example.io', version: 'v2' } as unknown as ResourceDef;
  const obj = { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w' } } as KubeObject;
  const kv = { key: '/k', value: toValue(obj), createRevision: 1, modRevision: 2 };
  const got = asWritten(structuredClone(obj), kv, def);
  assert.is(JSON.stringify(got), JSON.stringify(fromKv(kv, def)));
  assert.is(got.apiVersion, 'example.io/v2');
});

test("notSupported and required word their causes as upstream's field.NotSupported and field.Required", () => {
  assert.equal(notSupported('spec.type', 'Weird', ['A', 'B']), {
    reason: 'FieldValueNotSupported',
    field: 'spec.type',
    message: 'Unsupported value: "Weird": supported values: "A", "B"',
  });
  assert.is(
    notSupported('x', undefined, ['Resource'], '(a note)').message,
    'Unsupported value: "undefined": supported values: "Resource" (a note)',
  );
  assert.equal(required('spec'), { reason: 'FieldValueRequired', field: 'spec', message: 'Required value' });
  assert.is(
    required('spec', 'must specify a volume type').message,
    'Required value: must specify a volume type',
  );
});

test.run();
