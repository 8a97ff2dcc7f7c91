import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Backoff } from '../../agent/backoff.js';
import { CredentialFileError, loadCredential, saveCredential } from '../../agent/credentials.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

test.after(() => cleanupTempDirs());

test('backoff doubles from min to max; jitter stays within +-25%; reset starts over', () => {
  const mid = new Backoff(500, 30_000, () => 0.5);
  assert.equal(
    Array.from({ length: 9 }, () => mid.next()),
    [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
  );
  mid.reset();
  assert.is(mid.next(), 500);
  const low = new Backoff(500, 30_000, () => 0);
  const high = new Backoff(500, 30_000, () => 0.999999);
  assert.is(low.next(), 375);
  assert.is(high.next(), 625);
  for (let i = 0; i < 10; i++) assert.ok(high.next() <= 30_000, 'never above max');
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
