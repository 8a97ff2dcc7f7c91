import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WorkQueue } from '../../../hub/controllers/queue.js';
import { type Controller, type Result, Runner } from '../../../hub/controllers/runner.js';
import { createLogger } from '../../../shared/log.js';
import { waitFor } from './wait.js';

const quiet = createLogger('test', 100);

/** A controller whose reconcile is driven by a per-call function; records every call. */
function recorder(fn: (key: string, n: number) => Promise<Result | undefined>) {
  const calls: { key: string; at: number }[] = [];
  let active = 0;
  let maxActivePerKey = 0;
  const activeKeys = new Map<string, number>();
  const c: Controller = {
    name: 'test',
    async reconcile(key) {
      calls.push({ key, at: Date.now() });
      active++;
      const k = (activeKeys.get(key) ?? 0) + 1;
      activeKeys.set(key, k);
      maxActivePerKey = Math.max(maxActivePerKey, k);
      try {
        return await fn(key, calls.filter((x) => x.key === key).length);
      } finally {
        active--;
        activeKeys.set(key, (activeKeys.get(key) ?? 1) - 1);
      }
    },
  };
  return {
    c,
    calls,
    get active() {
      return active;
    },
    get maxActivePerKey() {
      return maxActivePerKey;
    },
  };
}

test('queue: dedupe while queued, re-add while processing runs again after done', () => {
  let ready = 0;
  const q = new WorkQueue(() => ready++);
  q.add('a');
  q.add('a');
  q.add('b');
  assert.is(q.len(), 2);
  assert.is(q.get(), 'a');
  q.add('a'); // while processing: not queued now...
  assert.is(q.len(), 1);
  q.add('a'); // ...and still one pending re-run
  assert.is(q.get(), 'b');
  assert.is(q.get(), undefined);
  q.done('a'); // ...queued again on done
  assert.is(q.get(), 'a');
  q.done('a');
  q.done('b');
  assert.is(q.get(), undefined);
  assert.ok(ready >= 3);
});

const backoffTable: { name: string; base: number; max: number; expect: number[] }[] = [
  { name: 'client-go defaults', base: 5, max: 1_000_000, expect: [5, 10, 20, 40, 80, 160] },
  { name: 'capped', base: 100, max: 500, expect: [100, 200, 400, 500, 500] },
  { name: 'base 1', base: 1, max: 4, expect: [1, 2, 4, 4] },
];
for (const row of backoffTable) {
  test(`queue backoff: ${row.name}`, () => {
    const q = new WorkQueue(() => {}, { baseDelayMs: row.base, maxDelayMs: row.max });
    assert.equal(
      row.expect.map(() => q.nextDelay('k')),
      row.expect,
    );
    assert.is(q.numFailures('k'), row.expect.length);
    q.forget('k');
    assert.is(q.nextDelay('k'), row.base);
    assert.is(q.nextDelay('other'), row.base, 'backoff is per key');
  });
}

test('queue: only the earliest pending timer per key is kept', async () => {
  const q = new WorkQueue(() => {});
  q.addAfter('k', 10_000);
  q.addAfter('k', 30);
  q.addAfter('k', 20_000); // later than pending: ignored
  await waitFor('timer to fire', () => q.len() === 1, 1000);
  assert.is(q.get(), 'k');
  assert.not.ok(q.hasTimer('k'), 'the 10 s timer was replaced, not kept');
  q.shutdown();
});

test('runner: keys added while queued are reconciled once', async () => {
  const r = recorder(async () => undefined);
  const runner = new Runner(r.c, { log: quiet });
  for (let i = 0; i < 5; i++) runner.add('a');
  runner.add('b');
  runner.start();
  await waitFor('both reconciled', () => r.calls.length === 2);
  await new Promise((res) => setTimeout(res, 30));
  assert.equal(r.calls.map((c) => c.key).sort(), ['a', 'b']);
  await runner.stop();
});

test('runner: never reconciles the same key concurrently; re-add during reconcile runs again', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((res) => {
    release = res;
  });
  const r = recorder(async (_k, n) => {
    if (n === 1) await gate;
    return undefined;
  });
  const runner = new Runner(r.c, { workers: 4, log: quiet });
  runner.start();
  runner.add('a');
  await waitFor('first reconcile running', () => r.active === 1);
  runner.add('a');
  runner.add('a');
  runner.add('b');
  await waitFor('b reconciled in parallel with a', () => r.calls.some((c) => c.key === 'b'));
  assert.is(r.calls.filter((c) => c.key === 'a').length, 1, 'a not started twice');
  release();
  await waitFor('a reconciled again after done', () => r.calls.filter((c) => c.key === 'a').length === 2);
  assert.is(r.maxActivePerKey, 1);
  await runner.stop();
});

test('runner: errors back off exponentially and a success resets the backoff', async () => {
  const r = recorder(async (_k, n) => {
    if (n <= 4) throw new Error(`fail ${n}`);
    return undefined;
  });
  const runner = new Runner(r.c, { baseDelayMs: 20, log: quiet });
  runner.start();
  runner.add('k');
  await waitFor('5 reconciles', () => r.calls.length === 5, 3000);
  const gaps = r.calls.slice(1).map((c, i) => c.at - r.calls[i].at);
  // 20, 40, 80, 160 ms (timers may fire late, never early)
  [20, 40, 80, 160].forEach((min, i) => {
    assert.ok(gaps[i] >= min - 2, `gap ${i} = ${gaps[i]} >= ${min}`);
  });
  assert.ok(gaps[3] > gaps[0] * 3, `backoff grows: ${gaps.join(',')}`);
  await waitFor('failures reset after success', () => runner.failures('k') === 0);
  await runner.stop();
});

test('runner: requeueAfter re-adds the key after the delay and resets backoff', async () => {
  const r = recorder(async (_k, n) => (n === 1 ? { requeueAfterMs: 80 } : undefined));
  const runner = new Runner(r.c, { log: quiet });
  runner.start();
  runner.add('k');
  await waitFor('requeued reconcile', () => r.calls.length === 2, 2000);
  assert.ok(r.calls[1].at - r.calls[0].at >= 78, 'not before the delay');
  assert.is(runner.failures('k'), 0);
  await runner.stop();
});

test('runner: requeue:true retries with backoff', async () => {
  const r = recorder(async (_k, n) => (n < 3 ? { requeue: true } : undefined));
  const runner = new Runner(r.c, { baseDelayMs: 10, log: quiet });
  runner.start();
  runner.add('k');
  await waitFor('3 reconciles', () => r.calls.length === 3, 2000);
  assert.ok(r.calls[2].at - r.calls[1].at >= 18);
  await runner.stop();
});

test('runner: stop waits for running reconciles and cancels timers', async () => {
  let finished = false;
  const r = recorder(async (k) => {
    if (k === 'slow') {
      await new Promise((res) => setTimeout(res, 50));
      finished = true;
    }
    return undefined;
  });
  const runner = new Runner(r.c, { workers: 2, log: quiet });
  runner.start();
  runner.addAfter('later', 50);
  runner.add('slow');
  await waitFor('slow running', () => r.active === 1);
  await runner.stop();
  assert.ok(finished, 'stop resolved only after the reconcile finished');
  await new Promise((res) => setTimeout(res, 80));
  assert.not.ok(
    r.calls.some((c) => c.key === 'later'),
    'timer cancelled',
  );
  runner.add('x');
  await new Promise((res) => setTimeout(res, 20));
  assert.not.ok(
    r.calls.some((c) => c.key === 'x'),
    'no work after stop',
  );
});

test.run();
