import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfigMap, Container, Pod, Secret } from '../../../shared/api/types.js';
import { resolveEnv } from '../../../agent/runtime/env.js';
import { CreateContainerConfigError } from '../../../agent/runtime/errors.js';
import { expand } from '../../../agent/runtime/expand.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

const configMaps = new Map<string, ConfigMap>([
  [
    'cfg',
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'prod' },
      data: { mode: 'fast', LEVEL: 'debug', 'bad key': 'x' },
    },
  ],
]);
const secrets = new Map<string, Secret>([
  [
    'sec',
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sec', namespace: 'prod' },
      data: { password: b64('s3cr3t'), TOKEN: b64('tok') },
    },
  ],
  [
    'str',
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'str', namespace: 'prod' },
      stringData: { k: 'plain' },
    },
  ],
]);
const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'prod', uid: 'u-1', labels: { app: 'web' } },
  spec: { containers: [], nodeName: 'pi-1' },
  status: { podIP: '10.0.0.7' },
};

const cases: { name: string; c: Partial<Container>; want?: Record<string, string>; error?: RegExp }[] = [
  { name: 'literal', c: { env: [{ name: 'A', value: '1' }] }, want: { A: '1' } },
  { name: 'literal without value is empty', c: { env: [{ name: 'A' }] }, want: { A: '' } },
  {
    name: 'expansion uses earlier vars only',
    c: {
      env: [
        { name: 'A', value: 'a' },
        { name: 'B', value: '$(A)-$(C)' },
        { name: 'C', value: 'c' },
        { name: 'D', value: '$$(A) $(A)$(C)' },
      ],
    },
    want: { A: 'a', B: 'a-$(C)', C: 'c', D: '$(A) ac' },
  },
  {
    name: 'configMapKeyRef and secretKeyRef (base64 decoded)',
    c: {
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
        { name: 'S', valueFrom: { secretKeyRef: { name: 'str', key: 'k' } } },
      ],
    },
    want: { MODE: 'fast', PW: 's3cr3t', S: 'plain' },
  },
  {
    name: 'valueFrom values are not expanded',
    c: {
      env: [
        { name: 'A', value: 'x' },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
      ],
    },
    want: { A: 'x', B: 'fast' },
  },
  {
    name: 'fieldRef',
    c: {
      env: [
        { name: 'N', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      ],
    },
    want: { N: 'web-1', NS: 'prod', UID: 'u-1', NODE: 'pi-1', IP: '10.0.0.7', APP: 'web' },
  },
  {
    name: 'envFrom with prefix, invalid names skipped, env wins',
    c: {
      envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'S_', secretRef: { name: 'sec' } }],
      env: [{ name: 'mode', value: 'slow $(LEVEL)' }],
    },
    want: { mode: 'slow debug', LEVEL: 'debug', S_password: 's3cr3t', S_TOKEN: 'tok' },
  },
  {
    name: 'optional missing refs are skipped',
    c: {
      envFrom: [{ configMapRef: { name: 'nope', optional: true } }],
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
        { name: 'B', valueFrom: { secretKeyRef: { name: 'sec', key: 'nokey', optional: true } } },
      ],
    },
    want: {},
  },
  {
    name: 'missing configmap',
    c: { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] },
    error: /^configmap "nope" not found$/,
  },
  {
    name: 'missing configmap key',
    c: { env: [{ name: 'A', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] },
    error: /^couldn't find key k in ConfigMap prod\/cfg$/,
  },
  {
    name: 'missing secret',
    c: { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] },
    error: /^secret "nope" not found$/,
  },
  {
    name: 'missing secret key',
    c: { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'sec', key: 'k' } } }] },
    error: /^couldn't find key k in Secret prod\/sec$/,
  },
  {
    name: 'missing envFrom secret',
    c: { envFrom: [{ secretRef: { name: 'nope' } }] },
    error: /^secret "nope" not found$/,
  },
  {
    name: 'unsupported fieldPath',
    c: { env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] },
    error: /unsupported fieldPath/,
  },
];
for (const tc of cases) {
  test(`resolveEnv: ${tc.name}`, () => {
    const c: Container = { name: 'app', image: 'x', ...tc.c };
    if (tc.error) {
      const re = tc.error;
      assert.throws(
        () => resolveEnv(c, configMaps, secrets, pod),
        (e: unknown) =>
          e instanceof CreateContainerConfigError &&
          re.test(e.message) &&
          e.kubeReason === 'CreateContainerConfigError',
      );
      return;
    }
    assert.equal(resolveEnv(c, configMaps, secrets, pod), tc.want);
  });
}

const expandCases: [string, Record<string, string>, string][] = [
  ['plain', {}, 'plain'],
  ['$(A)', { A: '1' }, '1'],
  ['$(A)$(B)', { A: '1', B: '2' }, '12'],
  ['$(MISSING)', {}, '$(MISSING)'],
  ['$$(A)', { A: '1' }, '$(A)'],
  ['$$', {}, '$'],
  ['$', {}, '$'],
  ['a$', {}, 'a$'],
  ['$(A', { A: '1' }, '$(A'],
  ['$A', { A: '1' }, '$A'],
  ['$()', {}, '$()'],
  ['x$(A)y', { A: '' }, 'xy'],
];
for (const [input, vars, want] of expandCases) {
  test(`expand ${JSON.stringify(input)}`, () => {
    assert.is(expand(input, vars), want);
    assert.is(expand(input, new Map(Object.entries(vars))), want);
  });
}

test.run();
