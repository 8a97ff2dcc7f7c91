// The audit log's size bound on real files: lines stay whole, the live file stays under the
// bound, at most maxFiles rotated files are kept, and the newest lines are in the live file.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type AuditEntry, AuditLog } from '../../../hub/audit/log.js';
import { cleanupTempDirs, tempDir } from '../../helpers/tmp.js';

test.after(cleanupTempDirs);

const entry = (i: number): AuditEntry => ({
  ts: new Date(0).toISOString(),
  user: 'alice',
  groups: ['dev'],
  verb: 'get',
  resource: 'pods',
  namespace: 'default',
  name: `pod-${i}`,
  code: 200,
});

test('rotates past maxBytes, keeps maxFiles, never splits a line; files are 0600', () => {
  const path = join(tempDir(), 'audit.log');
  const log = new AuditLog(path, 2048, 3);
  for (let i = 0; i < 200; i++) log.record(entry(i));
  log.close();
  log.record(entry(999)); // after close: dropped, no throw
  assert.ok(statSync(path).size <= 2048);
  for (const f of [path, `${path}.1`, `${path}.2`, `${path}.3`]) {
    assert.ok(existsSync(f), f);
    assert.is(statSync(f).mode & 0o777, 0o600, f);
    for (const line of readFileSync(f, 'utf8').trim().split('\n'))
      assert.is((JSON.parse(line) as AuditEntry).user, 'alice');
  }
  assert.not.ok(existsSync(`${path}.4`));
  const live = readFileSync(path, 'utf8').trim().split('\n');
  assert.is((JSON.parse(live.at(-1) ?? '{}') as AuditEntry).name, 'pod-199');
});

test.run();
