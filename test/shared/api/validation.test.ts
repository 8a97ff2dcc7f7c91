import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  isConfigMapKey,
  isDns1123Label,
  isDns1123Subdomain,
  isLabelValue,
  isQualifiedName,
  isValidPortName,
  isValidPortNum,
} from '../../../shared/api/validation.js';

const table: [string, (v: string) => string[], string, boolean][] = [
  ['label', isDns1123Label, 'my-name', true],
  ['label', isDns1123Label, '123-abc', true],
  ['label', isDns1123Label, 'My-Name', false],
  ['label', isDns1123Label, '-a', false],
  ['label', isDns1123Label, 'a.b', false],
  ['label', isDns1123Label, 'a'.repeat(64), false],
  ['subdomain', isDns1123Subdomain, 'example.com', true],
  ['subdomain', isDns1123Subdomain, 'a..b', false],
  ['subdomain', isDns1123Subdomain, 'a_b', false],
  ['subdomain', isDns1123Subdomain, '', false],
  ['qualified', isQualifiedName, 'app', true],
  ['qualified', isQualifiedName, 'node-role.kubernetes.io/control-plane', true],
  ['qualified', isQualifiedName, 'My_Name.x', true],
  ['qualified', isQualifiedName, '/x', false],
  ['qualified', isQualifiedName, 'a/b/c', false],
  ['qualified', isQualifiedName, 'Bad.Prefix/x', false],
  ['qualified', isQualifiedName, '-x', false],
  ['value', isLabelValue, '', true],
  ['value', isLabelValue, 'v1.2_3-x', true],
  ['value', isLabelValue, 'a b', false],
  ['value', isLabelValue, 'x'.repeat(64), false],
  ['key', isConfigMapKey, 'app.conf', true],
  ['key', isConfigMapKey, 'a/b', false],
  ['key', isConfigMapKey, '..x', false],
  ['portname', isValidPortName, 'http', true],
  ['portname', isValidPortName, '8080', false],
  ['portname', isValidPortName, 'a--b', false],
];
for (const [what, fn, v, ok] of table) {
  test(`${what} ${JSON.stringify(v.slice(0, 20))} valid=${ok}`, () =>
    assert.is(fn(v).length === 0, ok, fn(v).join('; ')));
}

test('port numbers', () => {
  assert.is(isValidPortNum(80).length, 0);
  assert.is(isValidPortNum(0).length, 1);
  assert.is(isValidPortNum(65536).length, 1);
  assert.is(isValidPortNum('80').length, 1);
});

test.run();
