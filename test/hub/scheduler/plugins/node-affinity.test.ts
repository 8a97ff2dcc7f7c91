import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SKIP } from '../../../../hub/scheduler/framework.js';
import { nodeNamesOfTerms } from '../../../../hub/scheduler/node-selector.js';
import * as plugin from '../../../../hub/scheduler/plugins/node-affinity.js';
import type { Affinity, NodeSelectorTerm } from '../../../../shared/api/types.js';
import { ctxFor, info, node, pod, snapshotOf } from '../fixtures.js';

const labels = { zone: 'a', disk: 'ssd', gen: '5' };
const REASON = "node(s) didn't match Pod's node affinity/selector";

const required = (terms: NodeSelectorTerm[]): Affinity => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
});

const filterCases: {
  name: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  ok: boolean;
}[] = [
  { name: 'nothing asked', ok: true },
  { name: 'nodeSelector matches', nodeSelector: { zone: 'a', disk: 'ssd' }, ok: true },
  { name: 'nodeSelector value differs', nodeSelector: { zone: 'b' }, ok: false },
  { name: 'nodeSelector key missing', nodeSelector: { gpu: 'yes' }, ok: false },
  {
    name: 'nodeSelector on the well-known hostname label filled from the name',
    nodeSelector: { 'kubernetes.io/hostname': 'n' },
    ok: true,
  },
  {
    name: 'In matches',
    affinity: required([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }]),
    ok: true,
  },
  {
    name: 'NotIn excludes',
    affinity: required([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }]),
    ok: false,
  },
  {
    name: 'Exists',
    affinity: required([{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }]),
    ok: true,
  },
  {
    name: 'DoesNotExist',
    affinity: required([{ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }]),
    ok: false,
  },
  {
    name: 'Gt',
    affinity: required([{ matchExpressions: [{ key: 'gen', operator: 'Gt', values: ['4'] }] }]),
    ok: true,
  },
  {
    name: 'Lt',
    affinity: required([{ matchExpressions: [{ key: 'gen', operator: 'Lt', values: ['5'] }] }]),
    ok: false,
  },
  {
    name: 'terms are ORed',
    affinity: required([
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] },
      { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] },
    ]),
    ok: true,
  },
  {
    name: 'expressions in a term are ANDed',
    affinity: required([
      {
        matchExpressions: [
          { key: 'zone', operator: 'In', values: ['a'] },
          { key: 'disk', operator: 'In', values: ['hdd'] },
        ],
      },
    ]),
    ok: false,
  },
  { name: 'empty term matches nothing', affinity: required([{}]), ok: false },
  {
    name: 'matchFields metadata.name',
    affinity: required([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n'] }] }]),
    ok: true,
  },
  {
    name: 'nodeSelector and affinity must both hold',
    nodeSelector: { zone: 'b' },
    affinity: required([{ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }]),
    ok: false,
  },
];

for (const c of filterCases) {
  test(`NodeAffinity filter: ${c.name}`, () => {
    const snap = snapshotOf([node({ name: 'n', labels })]);
    const p = pod({ name: 'p', nodeSelector: c.nodeSelector, affinity: c.affinity });
    const s = plugin.filter(ctxFor(p, snap), p, info(snap, 'n'));
    if (c.ok) assert.equal(s, { code: 'Success', reasons: [] });
    else assert.equal(s, { code: 'UnschedulableAndUnresolvable', reasons: [REASON] });
  });
}

test('NodeAffinity score: sum of matching preferred weights, normalized to 0..100 by the max', () => {
  const nodes = [
    node({ name: 'both', labels: { zone: 'a', disk: 'ssd' } }),
    node({ name: 'zone', labels: { zone: 'a' } }),
    node({ name: 'disk', labels: { disk: 'ssd' } }),
    node({ name: 'none' }),
  ];
  const snap = snapshotOf(nodes);
  const p = pod({
    name: 'p',
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 30, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
          {
            weight: 10,
            preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] },
          },
        ],
      },
    },
  });
  const ctx = ctxFor(p, snap);
  const raw = nodes.map((n) => plugin.score(ctx, p, info(snap, n.metadata.name!)));
  assert.equal(raw, [40, 30, 10, 0]);
  plugin.normalizeScore(ctx, p, raw);
  // floor(100*40/40), floor(100*30/40)=75, floor(100*10/40)=25, 0
  assert.equal(raw, [100, 75, 25, 0]);
});

test('NodeAffinity score: no preferences -> all 0', () => {
  const snap = snapshotOf([node({ name: 'a' }), node({ name: 'b' })]);
  const p = pod({ name: 'p' });
  const ctx = ctxFor(p, snap);
  const s = [plugin.score(ctx, p, info(snap, 'a')), plugin.score(ctx, p, info(snap, 'b'))];
  plugin.normalizeScore(ctx, p, s);
  assert.equal(s, [0, 0]);
});

const nameIn = (...values: string[]) => ({ key: 'metadata.name', operator: 'In' as const, values });
const labelIn = (key: string, ...values: string[]) => ({ key, operator: 'In' as const, values });

// k8s NodeAffinity PreFilter: which node names the required terms allow, or every node.
const NAME_CASES: [string, NodeSelectorTerm[], string[] | undefined][] = [
  ['one term pinning one node (a DaemonSet pod)', [{ matchFields: [nameIn('a')] }], ['a']],
  [
    'terms are ORed: the names unite',
    [{ matchFields: [nameIn('a')] }, { matchFields: [nameIn('b', 'c')] }],
    ['a', 'b', 'c'],
  ],
  [
    'requirements are ANDed: the names intersect',
    [{ matchFields: [nameIn('a', 'b'), nameIn('b', 'c')] }],
    ['b'],
  ],
  ['ANDed to nothing: no node', [{ matchFields: [nameIn('a'), nameIn('b')] }], []],
  [
    'a term without a name requirement opens every node',
    [{ matchFields: [nameIn('a')] }, { matchExpressions: [labelIn('ring', 'x')] }],
    undefined,
  ],
  [
    'NotIn on the name does not narrow',
    [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['a'] }] }],
    undefined,
  ],
  [
    'labels beside the name still narrow by name',
    [{ matchFields: [nameIn('a')], matchExpressions: [labelIn('ring', 'x')] }],
    ['a'],
  ],
];
for (const [what, terms, want] of NAME_CASES)
  test(`nodeNamesOfTerms: ${what}`, () => {
    const got = nodeNamesOfTerms(terms);
    assert.equal(got ? [...got].sort() : undefined, want);
  });

test('NodeAffinity preFilter: a pod pinned by metadata.name names its node; a selector alone does not', () => {
  const snap = snapshotOf([node({ name: 'a' })]);
  const pinned = pod({ name: 'p', affinity: required([{ matchFields: [nameIn('a')] }]) });
  const r = plugin.preFilter(ctxFor(pinned, snap), pinned);
  assert.ok(r && r !== SKIP);
  assert.equal([...r.nodeNames], ['a']);
  const bySelector = pod({ name: 'q', nodeSelector: { ring: 'x' } });
  assert.is(plugin.preFilter(ctxFor(bySelector, snap), bySelector), undefined);
  const free = pod({ name: 'f' });
  assert.is(plugin.preFilter(ctxFor(free, snap), free), SKIP);
});

test.run();
