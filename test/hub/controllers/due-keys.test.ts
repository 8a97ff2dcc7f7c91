// DueKeys: delayed keys behind one timer fire in time order, each once, at their latest schedule.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DueKeys } from '../../../hub/controllers/due-keys.js';
import { holdsFor, waitFor } from '../../helpers/wait.js';

test('keys fire in the order of their times, each once', async () => {
  const fired: string[] = [];
  const d = new DueKeys((k) => fired.push(k));
  const now = Date.now();
  const order = [7, 3, 9, 1, 5, 2, 8, 4, 6, 0];
  for (const i of order) d.schedule(`k${i}`, now + 20 + i * 5);
  assert.is(d.size, 10);
  await waitFor(() => fired.length === 10, { what: 'all ten fired', timeoutMs: 5_000, intervalMs: 10 });
  assert.equal(
    fired,
    order.map((_, i) => `k${i}`),
  );
  assert.is(d.size, 0);
});

test('a key scheduled earlier fires once, at the earlier time', async () => {
  const fired: [string, number][] = [];
  const start = Date.now();
  const d = new DueKeys((k) => fired.push([k, Date.now() - start]));
  d.schedule('a', start + 80);
  d.schedule('a', start + 10);
  assert.is(d.get('a'), start + 10);
  await waitFor(() => fired.length > 0, { what: 'a fired', timeoutMs: 5_000, intervalMs: 5 });
  // Past the replaced time too: still once.
  await holdsFor(() => fired.length === 1, { durationMs: 120, intervalMs: 10, what: 'a fired once' });
  assert.ok(fired[0]![1] < 80, `fired after ${fired[0]![1]} ms`);
});

test('a key scheduled again from its own firing fires again', async () => {
  let n = 0;
  const d = new DueKeys((k) => {
    if (++n < 3) d.schedule(k, Date.now() + 5);
  });
  d.schedule('a', Date.now() + 5);
  await waitFor(() => n >= 3, { what: 'three firings', timeoutMs: 5_000, intervalMs: 5 });
  await holdsFor(() => n === 3, { durationMs: 50, intervalMs: 10, what: 'no fourth firing' });
  assert.is(n, 3);
});

test('many keys: each fires once, none early', async () => {
  const start = Date.now();
  const at = new Map<string, number>();
  const early: string[] = [];
  const seen = new Set<string>();
  const d = new DueKeys((k) => {
    if (Date.now() < at.get(k)!) early.push(k);
    assert.not.ok(seen.has(k), `${k} twice`);
    seen.add(k);
  });
  for (let i = 0; i < 2_000; i++) {
    const t = start + 5 + ((i * 7919) % 60);
    at.set(`k${i}`, t);
    d.schedule(`k${i}`, t);
  }
  await waitFor(() => seen.size === 2_000, { what: 'all 2,000 fired', timeoutMs: 10_000, intervalMs: 10 });
  assert.is(seen.size, 2_000);
  assert.equal(early, []);
});

test('no timer is left armed for a schedule that was replaced', async () => {
  const d = new DueKeys(() => {});
  d.schedule('a', Date.now() + 60_000);
  d.schedule('a', Date.now() + 5);
  await waitFor(() => d.size === 0, { what: 'a fired', timeoutMs: 5_000, intervalMs: 5 });
  const timer = (d as unknown as { timer: NodeJS.Timeout | undefined }).timer;
  assert.is(timer, undefined, 'the replaced 60 s schedule holds no timer');
});

test('clear drops every schedule', async () => {
  const fired: string[] = [];
  const d = new DueKeys((k) => fired.push(k));
  d.schedule('a', Date.now() + 5);
  d.clear();
  assert.is(d.get('a'), undefined);
  await holdsFor(() => fired.length === 0, { durationMs: 50, intervalMs: 10, what: 'nothing fired' });
  assert.equal(fired, []);
});

test.run();
