import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  checkSupportedFields,
  FieldSelectorError,
  matchesFields,
  parseFieldSelector,
} from '../../../shared/api/fields.js';

const pod = {
  metadata: { name: 'p1', namespace: 'default' },
  spec: { nodeName: 'n1' },
  status: { phase: 'Running' },
};

const cases: [string, boolean][] = [
  ['', true],
  ['spec.nodeName=n1', true],
  ['spec.nodeName==n1', true],
  ['spec.nodeName=n2', false],
  ['metadata.name!=p2', true],
  ['metadata.name!=p1', false],
  ['metadata.namespace=default', true],
  ['status.phase=Running', true],
  ['spec.nodeName=n1,status.phase!=Failed,status.phase!=Succeeded', true],
  ['spec.nodeName=', false],
  ['status.podIP=', true],
];
for (const [sel, want] of cases) {
  test(`field selector ${JSON.stringify(sel)} -> ${want}`, () => {
    const s = parseFieldSelector(sel);
    checkSupportedFields(s, 'pods');
    assert.is(matchesFields(s, pod), want);
  });
}

test('unset booleans compare as false', () => {
  assert.ok(matchesFields(parseFieldSelector('spec.unschedulable=false'), { spec: {} }));
});

test('escaped values', () => {
  const s = parseFieldSelector('metadata.name=a\\,b');
  assert.is(s.requirements[0].value, 'a,b');
});

for (const bad of ['spec.nodeName', 'a,,b', '=x']) {
  test(`rejects ${JSON.stringify(bad)}`, () => {
    assert.throws(
      () => parseFieldSelector(bad),
      (e: unknown) => e instanceof FieldSelectorError,
    );
  });
}

test('unsupported field for the resource', () => {
  assert.throws(
    () => checkSupportedFields(parseFieldSelector('spec.nodeName=x'), 'configmaps'),
    (e: unknown) =>
      e instanceof FieldSelectorError && /field label not supported: spec.nodeName/.test(e.message),
  );
  checkSupportedFields(parseFieldSelector('involvedObject.uid=x,involvedObject.name=y'), 'events');
});

test.run();
