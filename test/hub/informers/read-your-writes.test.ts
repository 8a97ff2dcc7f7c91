// caughtUp: whether the cache shows a write (the store's revisions are numbers; anything else
// only by equality).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { caughtUp } from '../../../hub/informers/read-your-writes.js';

const CASES: [seen: string | undefined, wrote: string, want: boolean][] = [
  ['7', '7', true],
  ['8', '7', true],
  ['10', '9', true], // numbers, not strings: '10' < '9' as text
  ['6', '7', false],
  [undefined, '7', false],
  ['abc', 'abc', true],
  ['abd', 'abc', false],
  ['9007199254740993', '9007199254740992', false], // past 2^53: no numeric claim
];

for (const [seen, wrote, want] of CASES) {
  test(`caughtUp(${seen}, ${wrote}) = ${want}`, () => {
    assert.is(caughtUp(seen, wrote), want);
  });
}

test.run();
