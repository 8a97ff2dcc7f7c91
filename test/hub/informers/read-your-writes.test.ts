// caughtUp: whether the cache shows a write (the store's revisions are numbers; anything else
// only by equality). ReadYourWrites forgets a write once the cache shows it, read or not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HttpApiClient } from '../../../hub/api/http-client.js';
import { Informer } from '../../../hub/informers/informer.js';
import { caughtUp, ReadYourWrites } from '../../../hub/informers/read-your-writes.js';
import type { Node } from '../../../shared/api/types.js';
import { waitUntil } from '../../helpers/wait.js';
import { quiet, withApi } from './api-server.js';

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

test('a write the cache has shown is not remembered, even if never read again', () =>
  withApi(async (t) => {
    const informer = new Informer<Node>(new HttpApiClient(t.api.url), 'nodes', quiet, { retryDelayMs: 50 });
    const rw = new ReadYourWrites(informer);
    try {
      await informer.start();
      const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {}, status: {} };
      const created = await t.api.client.create<Node>('nodes', undefined, node);
      rw.wrote(created);
      assert.is(rw.waiting(), 1);
      // A later write the reader did not note: once the cache shows it, it shows the first too
      // (whether or not the first event came before wrote()).
      const updated = await t.api.client.update<Node>('nodes', undefined, {
        ...created,
        metadata: { ...created.metadata, labels: { a: 'b' } },
      });
      await waitUntil(
        'the cache shows the writes',
        () => informer.get('/n1')?.metadata.resourceVersion === updated.metadata.resourceVersion,
      );
      assert.is(rw.waiting(), 0);
      assert.is(rw.get('/n1')?.metadata.resourceVersion, updated.metadata.resourceVersion);
    } finally {
      rw.close();
      informer.stop();
    }
  }));

test('a write the cache showed before the reader noted it is not remembered', () =>
  withApi(async (t) => {
    const informer = new Informer<Node>(new HttpApiClient(t.api.url), 'nodes', quiet, { retryDelayMs: 50 });
    const rw = new ReadYourWrites(informer);
    try {
      await informer.start();
      const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n2' }, spec: {}, status: {} };
      const created = await t.api.client.create<Node>('nodes', undefined, node);
      await waitUntil('the cache shows the write', () => informer.get('/n2') !== undefined);
      rw.wrote(created); // the API's answer after the watch event
      assert.is(rw.waiting(), 0);
      assert.is(rw.get('/n2')?.metadata.resourceVersion, created.metadata.resourceVersion);
    } finally {
      rw.close();
      informer.stop();
    }
  }));

test.run();
