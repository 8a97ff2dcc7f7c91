import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FitError, fitErrorMessage, NoNodesAvailableError } from '../../../hub/scheduler/fit-error.js';
import { createSchedulerCore, numFeasibleNodesToFind } from '../../../hub/scheduler/schedule-one.js';
import { node, pod, snapshotOf } from './fixtures.js';

test('picks the least-allocated node', () => {
  const snap = snapshotOf(
    [
      node({ name: 'busy', cpu: '4', memory: '8Gi' }),
      node({ name: 'idle', cpu: '4', memory: '8Gi' }),
      node({ name: 'half', cpu: '4', memory: '8Gi' }),
    ],
    [
      pod({ name: 'b1', cpu: '3', memory: '6Gi', nodeName: 'busy' }),
      pod({ name: 'h1', cpu: '2', memory: '4Gi', nodeName: 'half' }),
    ],
  );
  const core = createSchedulerCore();
  for (let i = 0; i < 20; i++) {
    const r = core.scheduleOne(pod({ name: `p${i}`, cpu: '500m', memory: '1Gi' }), snap);
    assert.not.instance(r, Error);
    if (!(r instanceof Error)) assert.is(r.node, 'idle');
  }
});

test('placing pods one after another spreads them (assumed pods count)', () => {
  const snap = snapshotOf([
    node({ name: 'a', cpu: '2', memory: '4Gi' }),
    node({ name: 'b', cpu: '2', memory: '4Gi' }),
  ]);
  const core = createSchedulerCore();
  const placed: Record<string, number> = { a: 0, b: 0 };
  for (let i = 0; i < 4; i++) {
    const p = pod({ name: `p${i}`, cpu: '500m', memory: '1Gi' });
    const r = core.scheduleOne(p, snap);
    if (r instanceof Error) throw r;
    snap.placePod(p, r.node);
    placed[r.node]++;
  }
  assert.equal(placed, { a: 2, b: 2 });
  const r = core.scheduleOne(pod({ name: 'big', cpu: '1500m' }), snap);
  assert.instance(r, FitError);
  assert.is((r as FitError).message, '0/2 nodes are available: 2 Insufficient cpu.');
});

test('FitError: mixed reasons counted and sorted as kube-scheduler does', () => {
  const snap = snapshotOf([
    node({
      name: 'gone',
      cpu: '8',
      ready: 'Unknown',
      taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }],
    }),
    node({ name: 'small-1', cpu: '1' }),
    node({ name: 'small-2', cpu: '1', memory: '1Gi' }),
  ]);
  const r = createSchedulerCore().scheduleOne(pod({ name: 'p', cpu: '2', memory: '2Gi' }), snap);
  assert.instance(r, FitError);
  assert.is(
    (r as FitError).message,
    '0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu.',
  );
  assert.equal([...(r as FitError).reasonCounts].sort(), [
    ['Insufficient cpu', 2],
    ['Insufficient memory', 1],
    ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }', 1],
  ]);
});

test('FitError message: the example from the brief', () => {
  const m = fitErrorMessage(
    3,
    new Map([
      ['Insufficient cpu', 2],
      ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }', 1],
    ]),
  );
  assert.is(
    m,
    '0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu.',
  );
});

test('no nodes at all', () => {
  const r = createSchedulerCore().scheduleOne(pod({ name: 'p' }), snapshotOf([]));
  assert.instance(r, NoNodesAvailableError);
  assert.is((r as Error).message, 'no nodes available to schedule pods');
});

test('numFeasibleNodesToFind: k8s arithmetic', () => {
  const cases: [pct: number, nodes: number, want: number][] = [
    [0, 0, 0],
    [0, 50, 50],
    [0, 99, 99],
    [0, 100, 100], // 50 - 0 = 50% of 100 = 50 -> at least 100
    [0, 500, 230], // 50 - 4 = 46%
    [0, 1000, 420], // 50 - 8 = 42%
    [0, 5000, 500], // 50 - 40 = 10%
    [0, 6000, 300], // 50 - 48 = 2% -> min 5%
    [0, 1200, 492], // 50 - 9 = 41% of 1200 = 492
    [0, 10000, 500], // 50 - 80 < 5 -> 5%
    [0, 1500, 570], // 50 - 12 = 38%
    [10, 500, 100], // 50 -> at least 100
    [100, 5000, 5000],
    [30, 1000, 300],
  ];
  for (const [pct, nodes, want] of cases)
    assert.is(numFeasibleNodesToFind(pct, nodes), want, `${pct}% of ${nodes}`);
});

test('large cluster: evaluates only numFeasibleNodesToFind nodes, starting where the last cycle stopped', () => {
  const nodes = Array.from({ length: 1000 }, (_, i) => node({ name: `n${String(i).padStart(4, '0')}` }));
  const snap = snapshotOf(nodes);
  const core = createSchedulerCore();
  const r1 = core.scheduleOne(pod({ name: 'p1' }), snap);
  const r2 = core.scheduleOne(pod({ name: 'p2' }), snap);
  if (r1 instanceof Error || r2 instanceof Error) throw new Error('unexpected FitError');
  assert.is(r1.evaluatedNodes, 420);
  assert.is(r1.feasibleNodes, 420);
  // The second cycle starts at node 420: all its candidates are n0420..n0839.
  assert.ok(r1.node < 'n0420', r1.node);
  assert.ok(r2.node >= 'n0420' && r2.node < 'n0840', r2.node);
});

test('a pod pinned by metadata.name (a DaemonSet pod) is filtered on its own node only, not the fleet', () => {
  const nodes = Array.from({ length: 1000 }, (_, i) => node({ name: `n${String(i).padStart(4, '0')}` }));
  const snap = snapshotOf(nodes);
  const core = createSchedulerCore();
  const pinned = (name: string, to: string) =>
    pod({
      name,
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [to] }] }],
          },
        },
      },
    });
  const r = core.scheduleOne(pinned('ds-1', 'n0777'), snap);
  if (r instanceof Error) throw r;
  assert.equal([r.node, r.evaluatedNodes], ['n0777', 1]);
  // The whole-fleet scan still starts at 0: a pinned pod does not move it.
  const free = core.scheduleOne(pod({ name: 'free' }), snap);
  if (free instanceof Error) throw free;
  assert.ok(free.node < 'n0420', free.node);
  // A node that does not exist: the same FitError as when every node ran the filter.
  const gone = core.scheduleOne(pinned('ds-2', 'missing'), snap);
  if (!(gone instanceof FitError)) throw new Error('expected a FitError');
  assert.is(
    gone.message,
    "0/1000 nodes are available: 1000 node(s) didn't match Pod's node affinity/selector.",
  );
  // Its own node cordoned: that node's reason, the rest by affinity.
  snap.upsertNode(node({ name: 'n0005', unschedulable: true }));
  const cordoned = core.scheduleOne(pinned('ds-3', 'n0005'), snap);
  if (!(cordoned instanceof FitError)) throw new Error('expected a FitError');
  assert.match(cordoned.message, "999 node(s) didn't match Pod's node affinity/selector");
  assert.match(cordoned.message, '1 node(s) were unschedulable');
});

test('profile percentageOfNodesToScore = 100 evaluates every node', () => {
  const snap = snapshotOf(Array.from({ length: 300 }, (_, i) => node({ name: `n${i}` })));
  const r = createSchedulerCore({ profile: { percentageOfNodesToScore: 100 } }).scheduleOne(
    pod({ name: 'p' }),
    snap,
  );
  if (r instanceof Error) throw r;
  assert.is(r.evaluatedNodes, 300);
});

test('ties are broken at random among the equal best nodes', () => {
  const snap = snapshotOf([node({ name: 'a' }), node({ name: 'b' }), node({ name: 'c' })]);
  const seen = new Set<string>();
  const core = createSchedulerCore();
  for (let i = 0; i < 200 && seen.size < 3; i++) {
    const r = core.scheduleOne(pod({ name: 'p', cpu: '1' }), snap);
    if (r instanceof Error) throw r;
    seen.add(r.node);
  }
  assert.equal([...seen].sort(), ['a', 'b', 'c']);
});

test('weights: a preferred node affinity (weight 2) beats a slightly emptier node', () => {
  const snap = snapshotOf(
    [node({ name: 'preferred', labels: { zone: 'a' } }), node({ name: 'emptier' })],
    [pod({ name: 'e', cpu: '100m', nodeName: 'preferred' })],
  );
  const p = pod({
    name: 'p',
    cpu: '100m',
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
        ],
      },
    },
  });
  const r = createSchedulerCore().scheduleOne(p, snap);
  if (r instanceof Error) throw r;
  assert.is(r.node, 'preferred');
});

test('profile validation', () => {
  assert.throws(
    () => createSchedulerCore({ profile: { filters: ['Nope'] } }),
    /unknown filter plugin "Nope"/,
  );
  assert.throws(
    () => createSchedulerCore({ profile: { filters: ['ImageLocality'] } }),
    /has no filter phase/,
  );
  assert.throws(
    () => createSchedulerCore({ profile: { scores: [{ name: 'ImageLocality', weight: 0 }] } }),
    /weight/,
  );
  assert.throws(
    () => createSchedulerCore({ profile: { percentageOfNodesToScore: 101 } }),
    /percentageOfNodesToScore/,
  );
});

test('5000 nodes, 1000 existing pods: 1000 more pods all placed, none overcommitted', () => {
  const nodes = Array.from({ length: 5000 }, (_, i) =>
    node({ name: `node-${i}`, cpu: '4', memory: '32Gi', pods: '110' }),
  );
  const snap = snapshotOf(
    nodes,
    Array.from({ length: 1000 }, (_, i) =>
      pod({ name: `e${i}`, cpu: '100m', memory: '500Mi', nodeName: `node-${i}` }),
    ),
  );
  const core = createSchedulerCore();
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) {
    const p = pod({ name: `p${i}`, cpu: '100m', memory: '500Mi' });
    const r = core.scheduleOne(p, snap);
    if (r instanceof Error) throw r;
    assert.is(r.evaluatedNodes, 500); // 10% of 5000, every node feasible
    snap.placePod(p, r.node);
  }
  const ms = performance.now() - t0;
  for (const n of snap.nodeInfos()) {
    assert.ok(n.requested.milliCpu <= n.allocatable.milliCpu, n.name);
    assert.ok(n.pods.size <= n.allocatable.pods, n.name);
  }
  const total = snap.nodeInfos().reduce((s, n) => s + n.pods.size, 0);
  assert.is(total, 2000);
  console.log(
    `   scheduled 1000 pods on 5000 nodes in ${ms.toFixed(0)} ms (${Math.round(1000 / (ms / 1000))} pods/s)`,
  );
});

test('per-cycle state and reused arrays do not leak between pods (skipped filters, feasible counts)', () => {
  const snap = snapshotOf([
    node({ name: 'arm', arch: 'arm64', labels: { zone: 'a' } }),
    node({ name: 'amd', arch: 'amd64', labels: { zone: 'b' } }),
    node({ name: 'full', cpu: '1', arch: 'amd64' }),
  ]);
  const core = createSchedulerCore();
  const cases: { p: ReturnType<typeof pod>; node?: string; feasible: number }[] = [
    { p: pod({ name: 'any', cpu: '500m' }), feasible: 3 },
    { p: pod({ name: 'sel', nodeSelector: { zone: 'b' } }), node: 'amd', feasible: 1 },
    { p: pod({ name: 'any2', cpu: '2' }), feasible: 2 },
    { p: pod({ name: 'named', nodeName: 'full' }), node: 'full', feasible: 1 },
    {
      p: pod({ name: 'arm-only', annotations: { 'drover.io/image-platforms': 'linux/arm64' } }),
      node: 'arm',
      feasible: 1,
    },
    { p: pod({ name: 'any3' }), feasible: 3 },
  ];
  for (const c of cases) {
    const r = core.scheduleOne(c.p, snap);
    if (r instanceof Error) throw r;
    assert.is(r.feasibleNodes, c.feasible, c.p.metadata.name);
    if (c.node) assert.is(r.node, c.node, c.p.metadata.name);
  }
});

test('required anti-affinity still filters when other pods skip it', () => {
  const snap = snapshotOf(
    [node({ name: 'a', labels: { zone: 'a' } }), node({ name: 'b', labels: { zone: 'b' } })],
    [pod({ name: 'web-1', labels: { app: 'web' }, nodeName: 'a' })],
  );
  const core = createSchedulerCore();
  const anti = {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'zone' },
      ],
    },
  };
  for (let i = 0; i < 10; i++) {
    const plain = core.scheduleOne(pod({ name: `plain-${i}` }), snap);
    if (plain instanceof Error) throw plain;
    assert.is(plain.feasibleNodes, 2);
    const r = core.scheduleOne(pod({ name: `web-${i + 2}`, labels: { app: 'web' }, affinity: anti }), snap);
    if (r instanceof Error) throw r;
    assert.is(r.node, 'b');
  }
});

test('the node list shrinking below the scan start index', () => {
  const nodes = Array.from({ length: 300 }, (_, i) => node({ name: `n${String(i).padStart(3, '0')}` }));
  const snap = snapshotOf(nodes);
  const core = createSchedulerCore();
  const r1 = core.scheduleOne(pod({ name: 'p1' }), snap);
  if (r1 instanceof Error) throw r1;
  assert.is(r1.evaluatedNodes, 144); // 50 - trunc(300/125) = 48% of 300; the next cycle starts at 144
  for (let i = 0; i < 280; i++) snap.removeNode(`n${String(i).padStart(3, '0')}`);
  const r2 = core.scheduleOne(pod({ name: 'p2' }), snap);
  if (r2 instanceof Error) throw r2;
  assert.is(r2.evaluatedNodes, 20);
  assert.ok(r2.node >= 'n280', r2.node);
});

test('ImageLocality through the cycle: the node holding a large image wins; no holder = no effect', () => {
  const MiB = 1024 * 1024;
  const snap = snapshotOf([
    node({ name: 'has', images: [{ names: ['app:1'], sizeBytes: 900 * MiB }] }),
    node({ name: 'lacks' }),
  ]);
  const core = createSchedulerCore();
  for (let i = 0; i < 10; i++) {
    const r = core.scheduleOne(pod({ name: `p${i}`, image: 'app:1' }), snap);
    if (r instanceof Error) throw r;
    assert.is(r.node, 'has');
  }
  const seen = new Set<string>();
  for (let i = 0; i < 200 && seen.size < 2; i++) {
    const r = core.scheduleOne(pod({ name: `q${i}`, image: 'other:1' }), snap);
    if (r instanceof Error) throw r;
    seen.add(r.node);
  }
  assert.equal([...seen].sort(), ['has', 'lacks']);
});

test.run();
