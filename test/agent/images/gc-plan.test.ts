// The image GC decision as the kubelet's (pure): thresholds, bytes to free, LRU order, kept
// and too-young images.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalImageName, type ImageRecord, planImageGc } from '../../../agent/images/gc-plan.js';

const MiB = 1024 * 1024;
const policy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 };
const NOW = 1_000_000;
const img = (id: string, sizeMiB: number, lastUsed: number, firstDetected = 0): ImageRecord => ({
  id,
  names: [`${id}:1`],
  sizeBytes: sizeMiB * MiB,
  firstDetected,
  lastUsed,
});
const fs = (usedPct: number) => ({
  capacityBytes: 100 * 10 * MiB,
  availableBytes: (100 - usedPct) * 10 * MiB,
});

const CASES: {
  name: string;
  used: number;
  images: ImageRecord[];
  keep?: string[];
  want: string[];
  toFree: number;
}[] = [
  { name: 'below high: nothing', used: 84, images: [img('a', 50, 1)], want: [], toFree: 0 },
  {
    name: 'at high: least recently used first, until below low',
    used: 85,
    images: [img('new', 30, 900), img('old', 30, 100), img('mid', 30, 500)],
    want: ['old', 'mid'],
    toFree: 50 * MiB,
  },
  {
    name: 'never used counts as oldest, then first detected',
    used: 90,
    images: [img('used', 100, 500), img('never-b', 40, 0, 20), img('never-a', 40, 0, 10)],
    want: ['never-a', 'never-b', 'used'],
    toFree: 100 * MiB,
  },
  {
    name: 'in use or wanted images are kept',
    used: 90,
    images: [img('run', 100, 1), img('desired', 100, 2), img('free', 10, 3)],
    keep: ['run', 'desired'],
    want: ['free'],
    toFree: 100 * MiB,
  },
  {
    name: 'younger than the minimum age: kept',
    used: 90,
    images: [img('fresh', 100, 0, NOW - 60_000), img('aged', 10, 0, NOW - 180_000)],
    want: ['aged'],
    toFree: 100 * MiB,
  },
];

for (const c of CASES)
  test(`planImageGc: ${c.name}`, () => {
    const p = planImageGc(c.images, new Set(c.keep ?? []), fs(c.used), policy, NOW);
    assert.equal(
      p.remove.map((i) => i.id),
      c.want,
    );
    assert.is(p.bytesToFree, c.toFree);
    assert.is(p.usagePercent, c.used);
  });

test('canonicalImageName: Docker Hub prefixes and :latest', () => {
  assert.is(canonicalImageName('busybox'), 'busybox:latest');
  assert.is(canonicalImageName('docker.io/library/busybox:1'), 'busybox:1');
  assert.is(canonicalImageName('docker.io/me/app'), 'me/app:latest');
  assert.is(canonicalImageName('127.0.0.1:5000/a/b'), '127.0.0.1:5000/a/b:latest');
  assert.is(canonicalImageName('a@sha256:00'), 'a@sha256:00');
});

test.run();
