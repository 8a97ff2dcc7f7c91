import { tmpdir, totalmem } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  computeResources,
  filesystemBytes,
  formatCpuMilli,
  formatKi,
  measureResources,
} from '../../agent/capacity.js';
import { busyPercent, memAvailableBytes, sampleUsage } from '../../agent/usage.js';

test('quantities as Kubernetes writes them', () => {
  const cases: [number, string][] = [
    [0, '0Ki'],
    [1023, '0Ki'],
    [1024, '1Ki'],
    [8 * 1024 ** 3, '8388608Ki'],
    [-5, '0Ki'],
  ];
  for (const [b, s] of cases) assert.is(formatKi(b), s);
  assert.is(formatCpuMilli(4000), '4');
  assert.is(formatCpuMilli(3900), '3900m');
  assert.is(formatCpuMilli(-1), '0');
});

test('allocatable = capacity minus documented reserves', () => {
  const r = computeResources({ cpuCount: 4, memoryBytes: 4 * 1024 ** 3, storageBytes: 100 * 1024 ** 3 });
  assert.equal(r.capacity, {
    cpu: '4',
    memory: '4194304Ki',
    pods: '110',
    'ephemeral-storage': '104857600Ki',
  });
  assert.equal(r.allocatable, {
    cpu: '3900m',
    memory: '4091904Ki',
    pods: '110',
    'ephemeral-storage': '94371840Ki',
  });
  const noDisk = computeResources({ cpuCount: 1, memoryBytes: 512 * 1024 ** 2, maxPods: 20 });
  assert.is(noDisk.capacity['ephemeral-storage'], undefined);
  assert.is(noDisk.allocatable.cpu, '900m');
  assert.is(noDisk.allocatable.pods, '20');
});

test('measures this machine (filesystem of a not-yet-created data dir too)', async () => {
  const bytes = await filesystemBytes(`${tmpdir()}/drover-does-not-exist/x`);
  assert.ok(bytes !== undefined && bytes > 0);
  const r = await measureResources(tmpdir());
  assert.ok(Number(r.capacity.cpu) >= 1);
  assert.match(r.capacity.memory, /^\d+Ki$/);
  assert.match(r.capacity['ephemeral-storage'], /^\d+Ki$/);
});

test('usage of this machine: CPU busy share since the last sample, memory in use', async () => {
  const end = Date.now() + 50;
  while (Date.now() < end); // some ticks between the samples
  const u = await sampleUsage();
  assert.type(u.cpuPercent, 'number');
  assert.ok(u.cpuPercent! >= 0 && u.cpuPercent! <= 100);
  assert.ok(u.memoryBytes! > 0 && u.memoryBytes! < totalmem());
});

test('busyPercent and memAvailableBytes', () => {
  assert.is(busyPercent({ busy: 100, total: 1000 }, { busy: 150, total: 1200 }), 25);
  assert.is(busyPercent({ busy: 1, total: 10 }, { busy: 1, total: 10 }), undefined);
  assert.is(memAvailableBytes('MemTotal: 100 kB\nMemAvailable:   2048 kB\n'), 2048 * 1024);
  assert.is(memAvailableBytes('MemTotal: 100 kB\n'), undefined);
});

test.run();
