// Expectations under a lagging watch: the ReplicaSet controller reads pods from an informer
// whose watch delivers every event LAG_MS late (as a JetStream-backed store would), on the real
// API. Scaling up and down must create and delete exactly the difference, never more; the
// Expectations bookkeeping itself is checked table-driven with a fake clock.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ApiClient } from '../../../hub/api/client.js';
import { Expectations } from '../../../hub/controllers/expectations.js';
import { ReplicaSetController } from '../../../hub/controllers/replicaset.js';
import { InformerFactory } from '../../../hub/informers/factory.js';
import type { ReplicaSet } from '../../../shared/api/apps.js';
import type { KubeObject, Pod, WatchEvent } from '../../../shared/api/types.js';
import { createLogger } from '../../../shared/log.js';
import { startApi, type TestApi } from '../api/helpers.js';
import { waitFor } from './wait.js';

const LAG_MS = 300;
const log = createLogger('test', 40);

/** The API client with every watch event delivered lagMs late, counting pod creates and deletes. */
function laggingClient(inner: ApiClient, lagMs: number) {
  const counts = { creates: 0, deletes: 0 };
  const client = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'watch')
        return <T extends KubeObject>(...args: Parameters<ApiClient['watch']>) => {
          const [resource, ns, opts, onEvent, onEnd] = args;
          const late = (ev: WatchEvent<T>) => setTimeout(() => onEvent(ev as WatchEvent<KubeObject>), lagMs);
          return target.watch<T>(resource, ns, opts, late, onEnd);
        };
      if (prop === 'create')
        return (resource: string, ...rest: unknown[]) => {
          if (resource === 'pods') counts.creates++;
          return (target.create as (...a: unknown[]) => unknown)(resource, ...rest);
        };
      if (prop === 'delete')
        return (resource: string, ...rest: unknown[]) => {
          if (resource === 'pods') counts.deletes++;
          return (target.delete as (...a: unknown[]) => unknown)(resource, ...rest);
        };
      return Reflect.get(target, prop, receiver);
    },
  });
  return { client, counts };
}

const rs = (replicas: number): ReplicaSet => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name: 'lag', namespace: 'default' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'lag' } },
    template: {
      metadata: { labels: { app: 'lag' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    },
  },
});

let t: TestApi;
test.before(async () => {
  t = await startApi();
});
test.after(async () => t.stop());

test('a lagging watch causes no extra creates or deletes', async () => {
  const { client, counts } = laggingClient(t.api.client, LAG_MS);
  const informers = new InformerFactory(client, log);
  const ctl = new ReplicaSetController({ client, informers, log });
  const c = t.api.client;
  const stored = async () =>
    (await c.list<Pod>('pods', 'default')).items.filter((p) => !p.metadata.deletionTimestamp);
  let barrier = 0;
  /** Every event up to now has reached the controller's informer and it has nothing left to do. */
  const settled = async () => {
    const cur = await c.get<ReplicaSet>('replicasets', 'default', 'lag');
    const mark = String(++barrier);
    await c.update('replicasets', 'default', {
      ...cur,
      metadata: { ...cur.metadata, annotations: { barrier: mark } },
    });
    const sets = informers.informer<ReplicaSet>('replicasets');
    await waitFor(
      `barrier ${mark} seen and controller idle`,
      () => sets.get('default/lag')?.metadata.annotations?.barrier === mark && ctl.idle(),
    );
  };
  try {
    await ctl.start();
    await c.create('replicasets', 'default', rs(5));
    await waitFor('5 pods and status 5', async () => {
      const s = await c.get<ReplicaSet>('replicasets', 'default', 'lag');
      return (await stored()).length === 5 && s.status?.replicas === 5;
    });
    await settled();
    assert.is(counts.creates, 5, 'exactly 5 creates');
    assert.is((await stored()).length, 5);

    const cur = await c.get<ReplicaSet>('replicasets', 'default', 'lag');
    await c.update('replicasets', 'default', { ...cur, spec: { ...cur.spec, replicas: 2 } });
    await waitFor('2 pods and status 2', async () => {
      const s = await c.get<ReplicaSet>('replicasets', 'default', 'lag');
      return (await stored()).length === 2 && s.status?.replicas === 2;
    });
    await settled();
    assert.is(counts.deletes, 3, 'exactly 3 deletes');
    assert.is(counts.creates, 5, 'no create while scaling down');
    assert.is((await stored()).length, 2);
  } finally {
    await ctl.stop();
    informers.stop();
  }
});

test('expectations: satisfied when observed, tracked per pod for deletions, expire after the timeout', () => {
  let now = 0;
  const e = new Expectations(1000, () => now);
  const steps: [string, () => void, boolean][] = [
    ['nothing expected', () => {}, true],
    ['2 creations expected', () => e.expectCreations('k', 2), false],
    ['one observed', () => e.creationObserved('k'), false],
    ['both observed', () => e.creationObserved('k'), true],
    ['an extra observation does not go negative', () => e.creationObserved('k'), true],
    ['deletions of a and b expected', () => e.expectDeletions('k', ['ns/a', 'ns/b']), false],
    [
      'a seen terminating, then gone: counts once',
      () => {
        e.deletionObserved('k', 'ns/a');
        e.deletionObserved('k', 'ns/a');
      },
      false,
    ],
    ['b gone', () => e.deletionObserved('k', 'ns/b'), true],
    ['1 creation expected, never observed', () => e.expectCreations('k', 1), false],
    [
      'within the timeout',
      () => {
        now += 1000;
      },
      false,
    ],
    [
      'past the timeout',
      () => {
        now += 1;
      },
      true,
    ],
    ['new expectations after expiry start afresh', () => e.expectCreations('k', 1), false],
    ['forgotten key', () => e.delete('k'), true],
  ];
  for (const [what, step, want] of steps) {
    step();
    assert.is(e.satisfied('k'), want, what);
  }
  assert.throws(() => new Expectations(0));
});

test.run();
