// The PodDisruptionBudget arithmetic (upstream pkg/controller/disruption), table-driven.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  budgetStatus,
  coveredPods,
  expectedPods,
  scaled,
} from '../../../hub/controllers/disruption-budget.js';
import type { PodDisruptionBudget } from '../../../shared/api/policy.js';
import type { Pod } from '../../../shared/api/types.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');

function pod(
  name: string,
  o: { ready?: boolean; deleting?: boolean; app?: string; owner?: string } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: { app: o.app ?? 'web' },
      ...(o.deleting ? { deletionTimestamp: '2026-12-02T11:59:00Z' } : {}),
      ...(o.owner
        ? {
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: o.owner,
                uid: `uid-${o.owner}`,
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: { containers: [{ name: 'c', image: 'x' }] },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  } as Pod;
}

function pdb(
  spec: PodDisruptionBudget['spec'],
  status?: Partial<NonNullable<PodDisruptionBudget['status']>>,
): PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'b', namespace: 'default', generation: 3 },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    ...(status
      ? {
          status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, ...status },
        }
      : {}),
  };
}

test('scaled: counts stay, percentages round up', () => {
  assert.is(scaled(2, 10), 2);
  assert.is(scaled('50%', 5), 3);
  assert.is(scaled('0%', 5), 0);
  assert.is(scaled('100%', 7), 7);
});

const cases: {
  name: string;
  budget: PodDisruptionBudget;
  pods: Pod[];
  expected?: number;
  want: { allowed: number; healthy: number; desired: number; expected: number };
}[] = [
  {
    name: 'minAvailable 1 of 2 ready: one disruption',
    budget: pdb({ minAvailable: 1 }),
    pods: [pod('a'), pod('b')],
    want: { allowed: 1, healthy: 2, desired: 1, expected: 2 },
  },
  {
    name: 'minAvailable equal to the pods: none',
    budget: pdb({ minAvailable: 2 }),
    pods: [pod('a'), pod('b')],
    want: { allowed: 0, healthy: 2, desired: 2, expected: 2 },
  },
  {
    name: 'an unready pod is not healthy',
    budget: pdb({ minAvailable: 1 }),
    pods: [pod('a'), pod('b', { ready: false })],
    want: { allowed: 0, healthy: 1, desired: 1, expected: 2 },
  },
  {
    name: 'a pod being deleted does not count',
    budget: pdb({ minAvailable: 1 }),
    pods: [pod('a'), pod('b', { deleting: true })],
    want: { allowed: 0, healthy: 1, desired: 1, expected: 2 },
  },
  {
    name: 'maxUnavailable 25% of a controller scaled to 4',
    budget: pdb({ maxUnavailable: '25%' }),
    pods: [
      pod('a', { owner: 'rs' }),
      pod('b', { owner: 'rs' }),
      pod('c', { owner: 'rs' }),
      pod('d', { owner: 'rs' }),
    ],
    expected: 4,
    want: { allowed: 1, healthy: 4, desired: 3, expected: 4 },
  },
  {
    name: 'minAvailable 50% counts the controller scale, not the pods present',
    budget: pdb({ minAvailable: '50%' }),
    pods: [pod('a', { owner: 'rs' }), pod('b', { owner: 'rs' })],
    expected: 6,
    want: { allowed: 0, healthy: 2, desired: 3, expected: 6 },
  },
  {
    name: 'an eviction in flight (disruptedPods) still counts as disrupted',
    budget: pdb({ minAvailable: 1 }, { disruptedPods: { a: '2026-12-02T11:59:30Z' } }),
    pods: [pod('a'), pod('b')],
    want: { allowed: 0, healthy: 1, desired: 1, expected: 2 },
  },
  {
    name: 'an eviction older than the timeout is forgotten',
    budget: pdb({ minAvailable: 1 }, { disruptedPods: { a: '2026-12-02T11:50:00Z' } }),
    pods: [pod('a'), pod('b')],
    want: { allowed: 1, healthy: 2, desired: 1, expected: 2 },
  },
];

for (const c of cases)
  test(`budgetStatus: ${c.name}`, () => {
    const covered = coveredPods(c.budget, c.pods);
    const expected = expectedPods(c.budget, covered, () => c.expected);
    const s = budgetStatus(c.budget, covered, expected, NOW);
    assert.equal(
      {
        allowed: s.disruptionsAllowed,
        healthy: s.currentHealthy,
        desired: s.desiredHealthy,
        expected: s.expectedPods,
      },
      c.want,
    );
    assert.is(s.observedGeneration, 3);
    assert.is(s.conditions?.[0]?.status, c.want.allowed > 0 ? 'True' : 'False');
  });

test('coveredPods: other labels and a missing selector cover nothing', () => {
  assert.equal(coveredPods(pdb({}), [pod('x', { app: 'db' })]), []);
  const noSel = { ...pdb({}), spec: {} };
  assert.equal(coveredPods(noSel, [pod('a')]), []);
});

test.run();
