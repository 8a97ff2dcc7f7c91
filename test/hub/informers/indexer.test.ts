// Informer indexes: the shared factory's standard indexes (namespace, controller owner UID,
// every owner UID, node name) follow adds, changes that move an object between values, and
// deletes, on a real API; a custom index added late covers what is held; held objects are
// frozen under the test runner, so a reader that mutates one throws.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InformerFactory, InformerUse } from '../../../hub/informers/factory.js';
import { IndexExistsError, Indexer, UnknownIndexError } from '../../../hub/informers/indexer.js';
import {
  byRolloutTarget,
  INDEX_CONTROLLER_UID,
  INDEX_NAMESPACE,
  INDEX_NODE_NAME,
  INDEX_OWNER_UIDS,
  INDEX_ROLLOUT_TARGET,
  rolloutTargetKey,
} from '../../../hub/informers/indexes.js';
import type { Rollout } from '../../../shared/api/rollout.js';
import type { OwnerReference, Pod } from '../../../shared/api/types.js';
import { waitUntil } from '../../helpers/wait.js';
import { quiet, withApi } from './api-server.js';

const ref = (uid: string, controller: boolean): OwnerReference => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  name: `rs-${uid}`,
  uid,
  controller,
});

function pod(name: string, ns: string, owners: OwnerReference[], nodeName?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, ownerReferences: owners },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(nodeName ? { nodeName } : {}) },
  };
}

const names = (ps: Pod[]) => ps.map((p) => p.metadata.name).sort();

test('standard indexes follow adds, moves and deletes', () =>
  withApi(async ({ api }) => {
    const f = new InformerFactory(api.client, quiet, { freeze: true });
    const use = new InformerUse(f, api.client, quiet);
    try {
      const c = api.client;
      await c.create('namespaces', undefined, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'b' },
      });
      await c.create('pods', 'default', pod('p1', 'default', [ref('u1', true), ref('g1', false)]));
      await c.create('pods', 'default', pod('p2', 'default', [ref('u1', true)]));
      await c.create('pods', 'b', pod('p3', 'b', [ref('u2', true)], 'n1'));
      const inf = await use.watch<Pod>('pods', { onChange: () => {} });

      const cases: [string, string, string[]][] = [
        [INDEX_NAMESPACE, 'default', ['p1', 'p2']],
        [INDEX_NAMESPACE, 'b', ['p3']],
        [INDEX_CONTROLLER_UID, 'u1', ['p1', 'p2']],
        [INDEX_CONTROLLER_UID, 'g1', []],
        [INDEX_OWNER_UIDS, 'g1', ['p1']],
        [INDEX_NODE_NAME, 'n1', ['p3']],
        [INDEX_NODE_NAME, 'n2', []],
      ];
      for (const [index, value, want] of cases)
        assert.equal(names(f.byIndex<Pod>('pods', index, value)), want, `${index}=${value}`);

      // p2 moves from u1 to u2 and is bound to n2; p1 goes.
      const p2 = await c.get<Pod>('pods', 'default', 'p2');
      await c.update('pods', 'default', {
        ...p2,
        metadata: { ...p2.metadata, ownerReferences: [ref('u2', true)] },
      });
      await c.delete('pods', 'default', 'p1');
      await waitUntil('p1 gone', () => !inf.get('default/p1'));
      await waitUntil('p2 moved', () => inf.byIndex(INDEX_CONTROLLER_UID, 'u2').length === 2);
      assert.equal(names(inf.byIndex(INDEX_CONTROLLER_UID, 'u1')), []);
      assert.equal(names(inf.byIndex(INDEX_OWNER_UIDS, 'g1')), []);
      assert.equal(names(inf.inNamespace('default')), ['p2']);

      // A custom index added after the first list covers the held objects.
      inf.addIndex('first-letter', (p) => [(p.metadata.name ?? '')[0]]);
      assert.equal(names(inf.byIndex('first-letter', 'p')), ['p2', 'p3']);
      assert.throws(
        () => inf.addIndex('first-letter', () => []),
        (e: Error) => e instanceof IndexExistsError,
      );
      assert.throws(
        () => inf.byIndex('nope', 'x'),
        (e: Error) => e instanceof UnknownIndexError,
      );
    } finally {
      use.close();
      f.stop();
    }
  }));

test('held objects are frozen: mutating a shared object throws', () =>
  withApi(async ({ api }) => {
    const f = new InformerFactory(api.client, quiet, { freeze: true });
    const use = new InformerUse(f, api.client, quiet);
    try {
      await api.client.create('pods', 'default', pod('f1', 'default', []));
      const inf = await use.watch<Pod>('pods', { onChange: () => {} });
      const held = inf.get('default/f1');
      assert.ok(held);
      assert.throws(() => {
        (held.metadata as { name?: string }).name = 'changed';
      });
      assert.throws(() => {
        held.spec.containers.push({ name: 'x', image: 'y' });
      });
      assert.is(inf.get('default/f1')?.metadata.name, 'f1');
    } finally {
      use.close();
      f.stop();
    }
  }));

test('the rollout-target index answers the rollouts of one workload, and forgets deleted ones', () => {
  const ro = (name: string, ns: string, kind: 'DaemonSet' | 'Deployment', target: string): Rollout => ({
    apiVersion: 'drover.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace: ns },
    spec: { targetRef: { kind, name: target }, waves: [{ percent: 100 }] },
  });
  const idx = new Indexer<Rollout>();
  idx.addIndex(INDEX_ROLLOUT_TARGET, byRolloutTarget, []);
  const held: Rollout[] = [
    ro('a', 'default', 'DaemonSet', 'web'),
    ro('b', 'default', 'Deployment', 'web'),
    ro('c', 'other', 'DaemonSet', 'web'),
    ro('d', 'default', 'DaemonSet', 'web'),
  ];
  for (const r of held) idx.update(`${r.metadata.namespace}/${r.metadata.name}`, undefined, r);
  const keys = (ns: string, kind: string, name: string) =>
    [...idx.keys(INDEX_ROLLOUT_TARGET, rolloutTargetKey(ns, kind, name))].sort();
  const cases: [string, string, string, string[]][] = [
    ['default', 'DaemonSet', 'web', ['default/a', 'default/d']],
    ['default', 'Deployment', 'web', ['default/b']],
    ['other', 'DaemonSet', 'web', ['other/c']],
    ['default', 'DaemonSet', 'api', []],
  ];
  for (const [ns, kind, name, want] of cases)
    assert.equal(keys(ns, kind, name), want, `${ns}/${kind}/${name}`);
  idx.update('default/a', held[0], undefined);
  assert.equal(keys('default', 'DaemonSet', 'web'), ['default/d']);
});

test('a value with one key, then two, then none and one again; an object yielding a value twice', () => {
  const byLabel = (o: Pod) => Object.values(o.metadata.labels ?? {});
  const idx = new Indexer<Pod>();
  idx.addIndex('label', byLabel, []);
  const p = (name: string, ...values: string[]): Pod => ({
    ...pod(name, 'default', []),
    metadata: { name, labels: Object.fromEntries(values.map((v, i) => [`k${i}`, v])) },
  });
  const keys = (v: string) => [...idx.keys('label', v)].sort();
  const [a, b, c] = [p('a', 'x'), p('b', 'x'), p('c', 'y', 'y')];
  const steps: [() => void, string, string[]][] = [
    [() => idx.update('a', undefined, a), 'x', ['a']],
    [() => idx.update('a', a, a), 'x', ['a']],
    [() => idx.update('b', undefined, b), 'x', ['a', 'b']],
    [() => idx.update('a', a, undefined), 'x', ['b']],
    [() => idx.update('b', b, undefined), 'x', []],
    [() => idx.update('a', undefined, a), 'x', ['a']],
    [() => idx.update('c', undefined, c), 'y', ['c']],
    [() => idx.update('c', c, undefined), 'y', []],
  ];
  for (const [i, [step, v, want]] of steps.entries()) {
    step();
    assert.equal(keys(v), want, `step ${i}`);
  }
  assert.throws(
    () => idx.keys('nope', 'x'),
    (e: unknown) => e instanceof UnknownIndexError,
  );
});

test.run();
