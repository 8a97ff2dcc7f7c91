import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Backoff } from '../../agent/backoff.js';
import { CredentialFileError, loadCredential, saveCredential } from '../../agent/credentials.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

test.after(() => cleanupTempDirs());

// Table: random() value -> the delays of the first nine attempts (min 500 ms, max 30 s).
const SCHEDULES: { name: string; r: number; delays: number[] }[] = [
  // The bottom of every window: at once after a loss, then never below min after a failure.
  { name: 'r = 0', r: 0, delays: [0, 500, 500, 500, 500, 500, 500, 500, 500] },
  // The middle: window 500, then [500, 1000], [500, 2000], ... capped at [500, 30000].
  { name: 'r = 0.5', r: 0.5, delays: [250, 750, 1250, 2250, 4250, 8250, 15250, 15250, 15250] },
  // The top of every window: 500, 1000, 2000, ... up to max, never above it.
  { name: 'r -> 1', r: 1, delays: [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000] },
];

for (const s of SCHEDULES) {
  test(`backoff schedule with ${s.name}: full jitter on the first retry, then [min, window] doubling to max`, () => {
    const b = new Backoff(500, 30_000, () => s.r);
    assert.equal(
      Array.from({ length: s.delays.length }, () => b.next()),
      s.delays,
    );
    b.reset();
    assert.is(b.next(), s.delays[0], 'reset starts over at the first-retry window');
  });
}

test('backoff spreads a fleet: 10,000 first retries cover the first window evenly; no retry after a failure is immediate', () => {
  const firsts: number[] = [];
  const seconds: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    const b = new Backoff(500, 30_000);
    firsts.push(b.next());
    seconds.push(b.next());
  }
  // Ten 50 ms buckets of the [0, 500] window each hold about 1,000 (5 sigma ~ 150).
  const buckets = Array.from(
    { length: 10 },
    (_, k) => firsts.filter((d) => Math.min(9, Math.floor(d / 50)) === k).length,
  );
  for (const n of buckets) assert.ok(Math.abs(n - 1000) < 150, `uneven first retries: ${buckets.join(',')}`);
  assert.ok(Math.min(...seconds) >= 500, 'a retry after a failed attempt waits at least min');
  assert.ok(Math.max(...seconds) <= 1000);
});

test('credentials: belong to one node name; a damaged file says what to do', () => {
  const dir = tempDir();
  saveCredential(dir, { nodeName: 'a', username: 'node:a', password: 'p', joinedAt: 't' });
  assert.is(loadCredential(dir, 'a')?.password, 'p');
  assert.is(loadCredential(dir, 'b'), undefined);
  assert.is(loadCredential(tempDir(), 'a'), undefined);
  writeFileSync(join(dir, 'credentials.json'), '{oops');
  assert.throws(
    () => loadCredential(dir, 'a'),
    (e: unknown) => e instanceof CredentialFileError && /delete it and join again/.test((e as Error).message),
  );
});

test.run();
