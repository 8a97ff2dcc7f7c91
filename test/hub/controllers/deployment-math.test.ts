// Rollout arithmetic, table by table, against the numbers Kubernetes' deployment util gives.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Deployment, IntOrString, ReplicaSet } from '../../../shared/api/apps.js';
import {
  cleanupUnhealthy,
  maxScaledDown,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportionalSizes,
  resolveFenceposts,
  scaleDownOld,
  scaledValue,
} from '../../../hub/controllers/deployment/rollout-math.js';
import { computeHash, equalIgnoreHash } from '../../../hub/controllers/pod-template-hash.js';

function dep(
  replicas: number,
  surge: IntOrString,
  unavailable: IntOrString,
  type: 'RollingUpdate' | 'Recreate' = 'RollingUpdate',
): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { a: 'b' } },
      template: { spec: { containers: [{ name: 'c', image: 'i' }] } },
      strategy:
        type === 'Recreate'
          ? { type }
          : { type, rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } },
    },
  };
}

let seq = 0;
function rs(
  name: string,
  spec: number,
  available = spec,
  actual = spec,
  extra: Record<string, string> = {},
): ReplicaSet {
  seq++;
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      uid: name,
      creationTimestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
      annotations: extra,
    },
    spec: { replicas: spec, selector: {}, template: { spec: { containers: [] } } },
    status: { replicas: actual, availableReplicas: available },
  };
}

test('scaledValue: ints, percents rounded up or down', () => {
  const cases: [IntOrString, number, boolean, number][] = [
    [3, 10, true, 3],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['25%', 4, true, 1],
    ['25%', 4, false, 1],
    ['25%', 1, true, 1],
    ['25%', 1, false, 0],
    ['50%', 3, true, 2],
    ['50%', 3, false, 1],
    ['0%', 10, true, 0],
    ['100%', 7, false, 7],
  ];
  for (const [v, total, up, want] of cases)
    assert.is(scaledValue(v, total, up), want, `${v} of ${total} up=${up}`);
  assert.throws(() => scaledValue('abc', 10, true), /integer or a percentage/);
});

test('resolveFenceposts: surge up, unavailable down, both 0 -> unavailable 1', () => {
  const cases: [IntOrString, IntOrString, number, number, number][] = [
    ['25%', '25%', 10, 3, 2],
    ['25%', '25%', 4, 1, 1],
    ['25%', '25%', 1, 1, 0],
    [0, 0, 5, 0, 1],
    ['0%', '0%', 5, 0, 1],
    [0, '10%', 5, 0, 1], // 0.5 rounds down to 0, then the 0/0 rule gives 1
    [1, 0, 3, 1, 0],
    ['30%', '30%', 0, 0, 1],
  ];
  for (const [s, u, n, ws, wu] of cases)
    assert.equal(resolveFenceposts(s, u, n), { surge: ws, unavailable: wu }, `${s}/${u} of ${n}`);
});

test('maxSurge/maxUnavailable of a deployment: Recreate and capping', () => {
  assert.is(maxSurge(dep(10, '25%', '25%')), 3);
  assert.is(maxUnavailable(dep(10, '25%', '25%')), 2);
  assert.is(maxSurge(dep(10, 1, 1, 'Recreate')), 0);
  assert.is(maxUnavailable(dep(10, 1, 1, 'Recreate')), 0);
  assert.is(maxUnavailable(dep(2, 0, 5)), 2, 'capped at replicas');
  assert.is(maxUnavailable(dep(0, 1, 1)), 0);
});

test('newRSNewReplicas: bounded by replicas + maxSurge', () => {
  const cases: { name: string; d: Deployment; old: ReplicaSet[]; cur: number; want: number }[] = [
    { name: 'start of rollout', d: dep(10, '25%', '25%'), old: [rs('o', 10)], cur: 0, want: 3 },
    { name: 'surge used up', d: dep(10, '25%', '25%'), old: [rs('o', 10)], cur: 3, want: 3 },
    { name: 'old shrunk', d: dep(10, '25%', '25%'), old: [rs('o', 5)], cur: 3, want: 8 },
    { name: 'never past replicas', d: dep(10, '25%', '25%'), old: [rs('o', 0)], cur: 3, want: 10 },
    { name: 'surge 0', d: dep(4, 0, 1), old: [rs('o', 4)], cur: 0, want: 0 },
    { name: 'surge 0 after scale down', d: dep(4, 0, 1), old: [rs('o', 3)], cur: 0, want: 1 },
    { name: 'recreate: all at once', d: dep(4, 0, 0, 'Recreate'), old: [rs('o', 0)], cur: 0, want: 4 },
    // Drover: pods of an old ReplicaSet still present (status.replicas) count against the surge.
    { name: 'old pods not gone yet', d: dep(4, 1, 1), old: [rs('o', 2, 2, 4)], cur: 1, want: 1 },
  ];
  for (const c of cases) {
    const n = rs('n', c.cur);
    assert.is(newRSNewReplicas(c.d, [...c.old, n], n), c.want, c.name);
  }
});

test('maxScaledDown, cleanupUnhealthy, scaleDownOld', () => {
  // replicas 10, 25%/25%: minAvailable 8. old 10 available, new 3 with 0 available.
  const d = dep(10, '25%', '25%');
  const old = rs('o', 10, 10);
  const n = rs('n', 3, 0);
  assert.is(maxScaledDown(d, [old, n], n), 13 - 8 - 3);
  // scaleDownOld: available 10 - minAvailable 8 = 2 may go.
  const down = scaleDownOld(d, [old, n], [old]);
  assert.is(down.removed, 2);
  assert.is(down.sizes.get('o'), 8);
  // two old ReplicaSets with unavailable pods: oldest first, at most maxCleanup.
  const o1 = rs('o1', 3, 1);
  const o2 = rs('o2', 4, 2);
  const u = cleanupUnhealthy([o2, o1], 3);
  assert.is(u.removed, 3);
  assert.is(u.sizes.get('o1'), 1);
  assert.is(u.sizes.get('o2'), 3);
  // nothing available above the minimum: nothing goes.
  assert.is(scaleDownOld(d, [rs('x', 10, 8), rs('y', 2, 0)], [rs('x', 10, 8)]).removed, 0);
});

test('proportionalSizes: a resize mid-rollout is spread by max-replicas annotation', () => {
  // Kubernetes' example: 10 replicas, surge 3, rolling (new 3, old 8 after one step...);
  // scale 10 -> 15: allowed 15 + 4 = 19, current 11 (old 8, new 3) -> add 8.
  const d = dep(15, '25%', '25%');
  const old = rs('old', 8, 8, 8, { 'deployment.kubernetes.io/max-replicas': '13' });
  const nw = rs('new', 3, 0, 3, { 'deployment.kubernetes.io/max-replicas': '13' });
  const sizes = proportionalSizes(d, [old, nw]);
  const total = (sizes.get('old') ?? 0) + (sizes.get('new') ?? 0);
  assert.is(total, 19);
  assert.is(sizes.get('new'), 4); // 3 * 19/13 = 4.38 -> 4
  assert.is(sizes.get('old'), 15); // 8 * 19/13 = 11.7 -> 12, plus the leftover 3 (largest first)
  // scaling to 0 removes everything
  const zero = proportionalSizes(dep(0, 1, 1), [rs('a', 3), rs('b', 2)]);
  assert.is(zero.get('a'), 0);
  assert.is(zero.get('b'), 0);
});

test('pod-template-hash: stable, ignores its own label and Go round-trip noise', () => {
  const t = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } };
  const h = computeHash(t);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.is(computeHash(JSON.parse(JSON.stringify(t))), h);
  assert.is.not(computeHash(t, 1), h, 'collisionCount salts the hash');
  const roundTrip = {
    metadata: { creationTimestamp: null, labels: { app: 'web', 'pod-template-hash': h } },
    spec: { containers: [{ name: 'c', image: 'nginx:1', resources: {} }], hostNetwork: false },
  };
  assert.ok(equalIgnoreHash(t, roundTrip as never));
  assert.is(computeHash(roundTrip as never), h);
  assert.not.ok(equalIgnoreHash(t, { ...t, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } }));
});

test.run();
