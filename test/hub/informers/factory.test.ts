// Shared informers: components of one process get the same informer per resource; closing
// one component's use removes only its handlers; a use without a shared factory owns (and
// stops) its own.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InformerFactory, InformerUse } from '../../../hub/informers/factory.js';
import type { Namespace } from '../../../shared/api/types.js';
import { waitUntil } from '../../helpers/wait.js';
import { quiet, withApi } from './api-server.js';

const ns = (name: string): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

test('one informer per resource, shared; closing a use removes only its handlers', () =>
  withApi(async ({ api }) => {
    const factory = new InformerFactory(api.client, quiet);
    const own = new InformerUse(undefined, api.client, quiet);
    try {
      assert.is(factory.informer('namespaces'), factory.informer('namespaces'));
      assert.is.not(factory.informer('namespaces'), factory.informer('nodes'));
      await api.client.create('namespaces', undefined, ns('first'));

      const a = new InformerUse(factory, api.client, quiet);
      const b = new InformerUse(factory, api.client, quiet);
      const seenA: string[] = [];
      const seenB: string[] = [];
      const infA = await a.watch<Namespace>('namespaces', {
        onChange: (type, o) => seenA.push(`${type} ${o.metadata.name}`),
      });
      const infB = await b.watch<Namespace>('namespaces', {
        onChange: (type, o) => seenB.push(`${type} ${o.metadata.name}`),
      });
      assert.is(infA, infB);
      assert.ok(seenA.includes('ADDED first'));
      assert.ok(seenB.includes('ADDED first'), 'the late user is told about what is held');

      a.close();
      await api.client.create('namespaces', undefined, ns('second'));
      await waitUntil('b sees second', () => seenB.includes('ADDED second'));
      assert.not.ok(seenA.includes('ADDED second'));
      assert.ok(infB.get('/second'), 'the shared informer still runs after one use closed');

      // A use of its own factory stops its informer on close.
      const mine = await own.watch<Namespace>('namespaces', { onChange: () => {} });
      assert.is.not(mine, infB);
      own.close();
      await api.client.create('namespaces', undefined, ns('third'));
      await waitUntil('b sees third', () => seenB.includes('ADDED third'));
      assert.not.ok(mine.get('/third'));
    } finally {
      own.close();
      factory.stop();
    }
  }));

test('a failed first list rejects watch() and the informer stays unsynced', () =>
  withApi(async ({ api }) => {
    const factory = new InformerFactory(api.client, quiet);
    const use = new InformerUse(factory, api.client, quiet);
    try {
      let failed: unknown;
      await use.watch('nosuchresources', { onChange: () => {} }).catch((e: unknown) => {
        failed = e;
      });
      assert.ok(failed, 'listing an unserved resource fails');
      assert.not.ok(factory.informer('nosuchresources').hasSynced());
    } finally {
      use.close();
      factory.stop();
    }
  }));

test.run();
