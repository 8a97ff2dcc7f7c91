import { tmpdir } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diskSpace } from '../../../agent/pressure/disk.js';

test('diskSpace of a real directory (and of a path not yet created: its parent)', async () => {
  for (const p of [tmpdir(), `${tmpdir()}/not/yet/there`]) {
    const s = await diskSpace(p);
    assert.ok(s && s.totalBytes > 0 && s.availableBytes >= 0 && s.availableBytes <= s.totalBytes);
  }
});

test.run();
