import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultPullPolicy, normalizeImageRef } from '../../../agent/runtime/image-ref.js';

const refs: [string, string, 'Always' | 'IfNotPresent'][] = [
  ['busybox', 'busybox:latest', 'Always'],
  ['busybox:1', 'busybox:1', 'IfNotPresent'],
  ['busybox:latest', 'busybox:latest', 'Always'],
  ['127.0.0.1:5000/a/b', '127.0.0.1:5000/a/b:latest', 'Always'],
  ['127.0.0.1:5000/a/b:2', '127.0.0.1:5000/a/b:2', 'IfNotPresent'],
  ['repo/x@sha256:abcd', 'repo/x@sha256:abcd', 'IfNotPresent'],
];
for (const [ref, norm, policy] of refs) {
  test(`image ref ${ref}`, () => {
    assert.is(normalizeImageRef(ref), norm);
    assert.is(defaultPullPolicy(ref), policy);
  });
}

test.run();
