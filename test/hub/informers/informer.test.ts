// The hub's one list+watch cache over HTTP: a watch that ends resumes from the last
// resourceVersion; when that history was compacted meanwhile (410 Gone) it lists again and
// delivers the differences, deletions included, so handlers never miss a change. A handler
// added late is first told about every object held.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HttpApiClient } from '../../../hub/api/http-client.js';
import { type ChangeType, Informer } from '../../../hub/informers/informer.js';
import type { Node } from '../../../shared/api/types.js';
import { waitUntil } from '../../helpers/wait.js';
import { quiet, withApi } from './api-server.js';

function nodeObj(name: string, labels: Record<string, string> = {}): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    spec: {},
    status: { allocatable: { cpu: '1' } },
  };
}

type Seen = [ChangeType, string, string | undefined, boolean];

test('resume after a dropped watch; relist after 410 Gone delivers the missed deletion', () =>
  withApi(async (t) => {
    const informer = new Informer<Node>(new HttpApiClient(t.api.url), 'nodes', quiet, { retryDelayMs: 50 });
    const seen: Seen[] = [];
    let relisted = 0;
    informer.addHandler({
      onChange: (type, n, old, initial) => seen.push([type, n.metadata.name!, old?.metadata.name, initial]),
      onRelist: () => relisted++,
    });
    const names = () =>
      informer
        .list()
        .map((n) => n.metadata.name)
        .sort();
    try {
      await t.api.client.create('nodes', undefined, nodeObj('n1'));
      assert.not.ok(informer.hasSynced());
      await informer.start();
      assert.ok(informer.hasSynced());
      assert.equal(seen, [['ADDED', 'n1', undefined, true]]);
      await t.api.client.create('nodes', undefined, nodeObj('n2'));
      await waitUntil('n2 seen through the watch', () => informer.get('/n2'));
      assert.equal(seen.at(-1), ['ADDED', 'n2', undefined, false]);

      // 1) Connection drops, nothing compacted: the watch resumes, no relist.
      await t.restart();
      await t.api.client.create('nodes', undefined, nodeObj('n3'));
      await waitUntil('n3 seen after resume', () => informer.get('/n3'));
      assert.ok(informer.resumes >= 1);
      assert.is(informer.relists, 0);
      assert.is(relisted, 0);

      // 2) Connection drops, history compacted while away: 410 -> relist; the deletion of n1
      //    (never delivered as a watch event) reaches the handler with the last object held.
      await t.restart(async () => {
        await t.store.delete('/registry/nodes/n1');
        await t.store.create('/registry/nodes/n4', JSON.stringify(nodeObj('n4')));
        await t.store.compact(await t.store.revision());
        seen.length = 0;
      });
      await waitUntil('relist after 410', () => relisted === 1);
      assert.is(informer.relists, 1);
      assert.equal(names(), ['n2', 'n3', 'n4']);
      assert.equal(
        seen.filter(([type]) => type !== 'MODIFIED'),
        [
          ['ADDED', 'n4', undefined, false],
          ['DELETED', 'n1', 'n1', false],
        ],
      );

      // And the watch runs again after the relist; MODIFIED carries the old object.
      await t.api.client.patch('nodes', undefined, 'n2', { metadata: { labels: { zone: 'a' } } });
      await waitUntil('n2 label seen', () => informer.get('/n2')?.metadata.labels?.zone === 'a');
      assert.equal(seen.at(-1)?.slice(0, 3), ['MODIFIED', 'n2', 'n2']);
      await t.api.client.delete('nodes', undefined, 'n2');
      await waitUntil('n2 deletion seen', () => !informer.get('/n2'));
      assert.equal(seen.at(-1), ['DELETED', 'n2', 'n2', false]);
    } finally {
      informer.stop();
    }
  }));

test('a handler added late gets the held objects first; a removed or stopped one hears nothing', () =>
  withApi(async ({ api }) => {
    const informer = new Informer<Node>(api.client, 'nodes', quiet);
    try {
      await api.client.create('nodes', undefined, nodeObj('a'));
      await api.client.create('nodes', undefined, nodeObj('b'));
      let early = 0;
      informer.addHandler({ onChange: () => early++ });
      await Promise.all([informer.start(), informer.start()]);
      await informer.start();
      assert.is(early, 2, 'one list however often start() is called');
      const late: Seen[] = [];
      const remove = informer.addHandler({
        onChange: (type, n, old, initial) => late.push([type, n.metadata.name!, old?.metadata.name, initial]),
      });
      assert.equal(
        late.sort((x, y) => x[1].localeCompare(y[1])),
        [
          ['ADDED', 'a', undefined, true],
          ['ADDED', 'b', undefined, true],
        ],
      );
      const other: string[] = [];
      informer.addHandler({
        onChange: (type, n, _old, initial) => {
          if (!initial) other.push(`${type} ${n.metadata.name}`);
        },
      });
      remove();
      await api.client.create('nodes', undefined, nodeObj('c'));
      await waitUntil('c seen by the other handler', () => other.includes('ADDED c'));
      assert.is(late.length, 2);
      informer.stop();
      // A second watch of nodes, to know when d's event has been fanned out.
      let sentinelSawD = false;
      const sentinel = await api.client.watch<Node>('nodes', undefined, {}, (ev) => {
        if (ev.object.metadata.name === 'd') sentinelSawD = true;
      });
      await api.client.create('nodes', undefined, nodeObj('d'));
      await waitUntil('d fanned out', () => sentinelSawD);
      sentinel.close();
      assert.equal(other, ['ADDED c']);
      assert.not.ok(informer.get('/d'));
    } finally {
      informer.stop();
    }
  }));

test.run();
