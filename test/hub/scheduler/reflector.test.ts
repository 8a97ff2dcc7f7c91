// The scheduler's list+watch over HTTP: a watch that ends resumes from the last
// resourceVersion; when that history was compacted meanwhile (410 Gone) it lists again and
// hands over the full set, so deletions missed while disconnected are seen.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HttpApiClient } from '../../../hub/api/http-client.js';
import { createApiServer } from '../../../hub/api/server.js';
import { Reflector } from '../../../hub/scheduler/reflector.js';
import { SqliteStore } from '../../../hub/store/sqlite.js';
import type { Node } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { waitFor } from './wait.js';

const quiet = createLogger('test', 40);

function nodeObj(name: string): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: {},
    status: { allocatable: { cpu: '1' } },
  };
}

test('resume after a dropped watch; relist after 410 Gone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'drover-reflector-'));
  const store = SqliteStore.open(join(dir, 'store.db'));
  let api = await createApiServer({ store, port: 0, log: quiet });
  const port = api.port;
  const client = new HttpApiClient(api.url);
  const known = new Set<string>();
  let replaces = 0;
  const reflector = new Reflector<Node>(
    client,
    'nodes',
    {
      replace(items) {
        replaces++;
        known.clear();
        for (const n of items) known.add(n.metadata.name!);
      },
      event(type, n) {
        if (type === 'DELETED') known.delete(n.metadata.name!);
        else known.add(n.metadata.name!);
      },
    },
    quiet,
    { retryDelayMs: 50 },
  );
  try {
    await api.client.create('nodes', undefined, nodeObj('n1'));
    await reflector.start();
    assert.equal([...known], ['n1']);
    assert.is(replaces, 1);
    await api.client.create('nodes', undefined, nodeObj('n2'));
    await waitFor('n2 seen through the watch', () => known.has('n2'));

    // 1) Connection drops, nothing compacted: the reflector resumes the watch, no relist.
    await api.close();
    api = await createApiServer({ store, port, log: quiet });
    await api.client.create('nodes', undefined, nodeObj('n3'));
    await waitFor('n3 seen after resume', () => known.has('n3'));
    assert.is(replaces, 1);

    // 2) Connection drops, history compacted while away: 410 -> relist; the deletion of n1
    //    (never delivered as an event) is still reflected.
    await api.close();
    await store.delete('/registry/nodes/n1');
    await store.create('/registry/nodes/n4', JSON.stringify(nodeObj('n4')));
    await store.compact(await store.revision());
    api = await createApiServer({ store, port, log: quiet });
    await waitFor('relist after 410', () => replaces === 2);
    assert.equal([...known].sort(), ['n2', 'n3', 'n4']);

    // And the watch runs again after the relist.
    await api.client.delete('nodes', undefined, 'n2');
    await waitFor('n2 deletion seen', () => !known.has('n2'));
  } finally {
    reflector.stop();
    await api.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
