import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { normalizedImageName } from '../../../../hub/scheduler/images.js';
import * as plugin from '../../../../hub/scheduler/plugins/image-locality.js';
import { ctxFor, info, node, pod, snapshotOf } from '../fixtures.js';

const MiB = 1024 * 1024;

test('ImageLocality (sizes known): k8s formula with spread', () => {
  // 4 nodes; big:1 (500 MiB) on a and b -> spread 2/4.
  const snap = snapshotOf([
    node({ name: 'a', images: [{ names: ['big:1'], sizeBytes: 500 * MiB }] }),
    node({ name: 'b', images: [{ names: ['big:1'], sizeBytes: 500 * MiB }] }),
    node({ name: 'c', images: [{ names: ['small:1'], sizeBytes: 10 * MiB }] }),
    node({ name: 'd' }),
  ]);
  const p = pod({ name: 'p', image: 'big:1' });
  const ctx = ctxFor(p, snap);
  // sum = 500 MiB * 2/4 = 250 MiB; floor(100 * (250-23) / (1000-23)) = floor(23.23) = 23
  assert.is(plugin.score(ctx, p, info(snap, 'a')), 23);
  assert.is(plugin.score(ctx, p, info(snap, 'c')), 0);
  assert.is(plugin.score(ctx, p, info(snap, 'd')), 0);
});

test('ImageLocality (sizes known): clamped at 1000 MiB per container', () => {
  const snap = snapshotOf([node({ name: 'a', images: [{ names: ['huge:1'], sizeBytes: 5000 * MiB }] })]);
  const p = pod({ name: 'p', image: 'huge:1' });
  assert.is(plugin.score(ctxFor(p, snap), p, info(snap, 'a')), 100);
});

test('ImageLocality (sizes known): two containers double the ceiling', () => {
  const snap = snapshotOf([node({ name: 'a', images: [{ names: ['huge:1'], sizeBytes: 1500 * MiB }] })]);
  const p = pod({
    name: 'p',
    containers: [
      { name: 'x', image: 'huge:1' },
      { name: 'y', image: 'absent:1' },
    ],
  });
  // sum 1500 MiB under the 2000 MiB ceiling: floor(100 * (1500-23) / (2000-23)) = 74
  assert.is(plugin.score(ctxFor(p, snap), p, info(snap, 'a')), 74);
});

test('ImageLocality (size unknown): presence-based, scaled by spread', () => {
  const snap = snapshotOf([node({ name: 'a', images: [{ names: ['app:1'] }] }), node({ name: 'b' })]);
  const p = pod({ name: 'p', image: 'app:1' });
  // floor(100 * (1/2) / 1) = 50
  assert.is(plugin.score(ctxFor(p, snap), p, info(snap, 'a')), 50);
  assert.is(plugin.score(ctxFor(p, snap), p, info(snap, 'b')), 0);
});

test('image names: untagged means :latest', () => {
  const cases: [string, string][] = [
    ['nginx', 'nginx:latest'],
    ['nginx:1.25', 'nginx:1.25'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['localhost:5000/app:v2', 'localhost:5000/app:v2'],
    ['busybox@sha256:abc', 'busybox@sha256:abc'],
  ];
  for (const [input, want] of cases) assert.is(normalizedImageName(input), want, input);
  const snap = snapshotOf([
    node({ name: 'a', images: [{ names: ['nginx:latest'], sizeBytes: 2000 * MiB }] }),
  ]);
  const p = pod({ name: 'p', image: 'nginx' });
  assert.is(plugin.score(ctxFor(p, snap), p, info(snap, 'a')), 100);
});

test.run();
