import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as affinity from '../../../../hub/scheduler/plugins/node-affinity.js';
import * as plugin from '../../../../hub/scheduler/plugins/node-arch.js';
import { ctxFor, info, node, pod, snapshotOf } from '../fixtures.js';

const ANN = 'drover.io/image-platforms';

const cases: {
  name: string;
  arch?: string;
  labels?: Record<string, string>;
  platforms?: string;
  reason?: string;
}[] = [
  { name: 'no annotation', arch: 'arm64' },
  { name: 'single platform matches', arch: 'amd64', platforms: 'linux/amd64' },
  {
    name: 'single platform differs',
    arch: 'arm64',
    platforms: 'linux/amd64',
    reason: "node(s) didn't match the image's platform (amd64)",
  },
  { name: 'multi-arch image', arch: 'arm64', platforms: 'linux/amd64,linux/arm64' },
  { name: 'armhf variant', arch: 'arm', platforms: 'linux/arm/v7' },
  {
    name: 'multi-arch image without the node arch',
    arch: 'riscv64',
    platforms: 'linux/amd64, linux/arm64',
    reason: "node(s) didn't match the image's platform (amd64, arm64)",
  },
  {
    name: 'node label wins over status',
    arch: 'amd64',
    labels: { 'kubernetes.io/arch': 'arm64' },
    platforms: 'linux/amd64',
    reason: "node(s) didn't match the image's platform (amd64)",
  },
  { name: 'node with unknown arch is not ruled out', platforms: 'linux/amd64' },
  {
    name: 'os must match when both known',
    arch: 'amd64',
    platforms: 'windows/amd64',
    reason: "node(s) didn't match the image's platform (amd64)",
  },
];

for (const c of cases) {
  test(`NodeArch filter: ${c.name}`, () => {
    const snap = snapshotOf([node({ name: 'n', arch: c.arch, labels: c.labels })]);
    const p = pod({ name: 'p', annotations: c.platforms ? { [ANN]: c.platforms } : undefined });
    const s = plugin.filter(ctxFor(p, snap), p, info(snap, 'n'));
    if (!c.reason) assert.equal(s, { code: 'Success', reasons: [] });
    else assert.equal(s, { code: 'UnschedulableAndUnresolvable', reasons: [c.reason] });
  });
}

test('an arch nodeSelector matches status.nodeInfo.architecture when the node has no arch label', () => {
  const snap = snapshotOf([node({ name: 'pi', arch: 'arm64' }), node({ name: 'pc', arch: 'amd64' })]);
  const p = pod({ name: 'p', nodeSelector: { 'kubernetes.io/arch': 'arm64' } });
  assert.is(affinity.filter(ctxFor(p, snap), p, info(snap, 'pi')).code, 'Success');
  assert.is(affinity.filter(ctxFor(p, snap), p, info(snap, 'pc')).code, 'UnschedulableAndUnresolvable');
});

test.run();
