import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  createPodInfo,
  DEFAULT_NON_ZERO_MEMORY_BYTES,
  DEFAULT_NON_ZERO_MILLI_CPU,
  nodeAllocatable,
  QUANTITY_CACHE_MAX_ENTRIES,
} from '../../../hub/scheduler/resources.js';
import { node, pod } from './fixtures.js';

const cases: {
  name: string;
  cpu?: string;
  memory?: string;
  want: [number, number];
  nonZero: [number, number];
}[] = [
  { name: 'both set', cpu: '250m', memory: '64Mi', want: [250, 64 * 2 ** 20], nonZero: [250, 64 * 2 ** 20] },
  {
    name: 'unset',
    want: [0, 0],
    nonZero: [DEFAULT_NON_ZERO_MILLI_CPU, DEFAULT_NON_ZERO_MEMORY_BYTES],
  },
  {
    name: 'invalid counts as absent',
    cpu: 'lots',
    memory: '1Gi',
    want: [0, 2 ** 30],
    nonZero: [DEFAULT_NON_ZERO_MILLI_CPU, 2 ** 30],
  },
];

// Twice each: the second pass reads the memoized quantities and must agree with the first.
for (const pass of [1, 2]) {
  for (const c of cases) {
    test(`pod requests (pass ${pass}): ${c.name}`, () => {
      const p = createPodInfo(pod({ name: 'p', cpu: c.cpu, memory: c.memory }));
      assert.equal([p.requests.milliCpu, p.requests.memory], c.want);
      assert.equal([p.nonZeroRequests.milliCpu, p.nonZeroRequests.memory], c.nonZero);
    });
  }
}

test('init containers: max of the app sum and the largest init container', () => {
  const p = createPodInfo(
    pod({
      name: 'p',
      containers: [
        { name: 'a', image: 'x', resources: { requests: { cpu: '100m' } } },
        { name: 'b', image: 'x', resources: { limits: { cpu: '200m', memory: '1Gi' } } },
      ],
      initContainers: [{ name: 'i', image: 'x', resources: { requests: { cpu: '1' } } }],
    }),
  );
  assert.equal(p.requests, { milliCpu: 1000, memory: 2 ** 30, pods: 1 });
  // Non-zero: a's memory defaults to 200Mi, i's memory too.
  assert.equal(p.nonZeroRequests, {
    milliCpu: 1000,
    memory: 2 ** 30 + DEFAULT_NON_ZERO_MEMORY_BYTES,
    pods: 1,
  });
});

test('the quantity memo stays correct past its bound', () => {
  for (let i = 1; i <= QUANTITY_CACHE_MAX_ENTRIES + 10; i++) {
    const a = nodeAllocatable(node({ name: 'n', cpu: `${i}m`, memory: `${i}Ki` }));
    assert.is(a.milliCpu, i);
    assert.is(a.memory, i * 1024);
  }
  assert.is(nodeAllocatable(node({ name: 'n', cpu: '3' })).milliCpu, 3000);
});

test.run();
