// The HPA's replica calculation against upstream's replica_calculator_test.go resource cases
// (two containers per pod, each at the level and request given; unready, hot-CPU, pending,
// failed, deleted and missing-metric pods), and its groupPods cases. Table-driven.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type CalcMetric,
  type CalcOptions,
  type CalcPod,
  CalculationError,
  DEFAULT_CALC_OPTIONS,
  groupPods,
  rawResourceReplicas,
  resourceReplicas,
} from '../../../hub/controllers/hpa/replica-calculator.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');
// Upstream's test settings (defaultTestingCpuInitializationPeriod 2 min, delay 10 s).
const o: CalcOptions = {
  ...DEFAULT_CALC_OPTIONS,
  cpuInitializationPeriodMs: 2 * 60_000,
  delayOfInitialReadinessStatusMs: 10_000,
  nowMs: NOW,
};
const CONTAINERS = 2;
// Upstream's hotCpuCreationTime / coolCpuCreationTime: inside / past the initialization period.
const HOT = NOW - 60_000;
const COOL = NOW - 10 * 60_000;
// Go's zero time, as upstream's fixtures leave timestamps and transitions unset.
const ZERO = 0;

interface Case {
  name: string;
  current: number;
  want?: number;
  wantUtilization?: number;
  wantRaw?: number;
  wantError?: RegExp;
  /** Requests per container in millicores; missing entries mean no request. */
  requests: number[];
  /** Usage per container in millicores, for pods test-pod-0.. (or podNames). */
  levels: number[];
  podNames?: string[];
  target: number;
  readiness?: ('True' | 'False')[];
  startTimes?: number[];
  phases?: string[];
  deleting?: boolean[];
}

function inputs(c: Case): { pods: CalcPod[]; metrics: Map<string, CalcMetric> } {
  const count = Math.max(c.current, c.phases?.length ?? 0);
  const pods: CalcPod[] = [];
  for (let i = 0; i < count; i++) {
    const req = c.requests[i];
    pods.push({
      name: `test-pod-${i}`,
      phase: c.phases?.[i] ?? 'Running',
      deleting: c.deleting?.[i] ?? false,
      ready: { status: c.readiness?.[i] ?? 'True', lastTransitionMs: ZERO },
      startTimeMs: c.startTimes?.[i] ?? ZERO,
      ...(req !== undefined ? { requestMilli: CONTAINERS * req } : { missingRequestContainer: 'container0' }),
    });
  }
  const metrics = new Map<string, CalcMetric>();
  c.levels.forEach((l, i) => {
    metrics.set(c.podNames?.[i] ?? `test-pod-${i}`, {
      valueMilli: CONTAINERS * l,
      timestampMs: ZERO,
      windowMs: 60_000,
    });
  });
  return { pods, metrics };
}

const cases: Case[] = [
  {
    name: 'ScaleUp',
    current: 3,
    want: 5,
    requests: [1000, 1000, 1000],
    levels: [300, 500, 700],
    target: 30,
    wantUtilization: 50,
    wantRaw: 1000,
  },
  {
    name: 'ScaleUpUnreadyLessScale',
    current: 3,
    want: 4,
    readiness: ['False', 'True', 'True'],
    requests: [1000, 1000, 1000],
    levels: [300, 500, 700],
    target: 30,
    wantUtilization: 60,
    wantRaw: 1200,
  },
  {
    name: 'ScaleUpHotCpuLessScale',
    current: 3,
    want: 4,
    startTimes: [HOT, COOL, COOL],
    requests: [1000, 1000, 1000],
    levels: [300, 500, 700],
    target: 30,
    wantUtilization: 60,
    wantRaw: 1200,
  },
  {
    name: 'ScaleUpUnreadyNoScale',
    current: 3,
    want: 3,
    readiness: ['True', 'False', 'False'],
    requests: [1000, 1000, 1000],
    levels: [400, 500, 700],
    target: 30,
    wantUtilization: 40,
    wantRaw: 800,
  },
  {
    name: 'ScaleHotCpuNoScale',
    current: 3,
    want: 3,
    readiness: ['True', 'False', 'False'],
    startTimes: [COOL, HOT, HOT],
    requests: [1000, 1000, 1000],
    levels: [400, 500, 700],
    target: 30,
    wantUtilization: 40,
    wantRaw: 800,
  },
  {
    name: 'ScaleUpIgnoresFailedPods',
    current: 2,
    want: 4,
    readiness: ['True', 'True', 'False', 'False'],
    phases: ['Running', 'Running', 'Failed', 'Failed'],
    requests: [1000, 1000, 1000, 1000],
    levels: [500, 700],
    target: 30,
    wantUtilization: 60,
    wantRaw: 1200,
  },
  {
    name: 'ScaleUpIgnoresDeletionPods',
    current: 2,
    want: 4,
    readiness: ['True', 'True', 'False', 'False'],
    phases: ['Running', 'Running', 'Running', 'Running'],
    deleting: [false, false, true, true],
    requests: [1000, 1000, 1000, 1000],
    levels: [500, 700],
    target: 30,
    wantUtilization: 60,
    wantRaw: 1200,
  },
  {
    name: 'ScaleDown',
    current: 5,
    want: 3,
    requests: [1000, 1000, 1000, 1000, 1000],
    levels: [100, 300, 500, 250, 250],
    target: 50,
    wantUtilization: 28,
    wantRaw: 560,
  },
  {
    name: 'ScaleDownIncludeUnreadyPods',
    current: 5,
    want: 2,
    readiness: ['True', 'True', 'True', 'False', 'False'],
    requests: [1000, 1000, 1000, 1000, 1000],
    levels: [100, 300, 500, 250, 250],
    target: 50,
    wantUtilization: 30,
    wantRaw: 600,
  },
  {
    name: 'ScaleDownExcludeUnscheduledPods',
    current: 5,
    want: 1,
    readiness: ['True', 'False', 'False', 'False', 'False'],
    phases: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
    requests: [1000, 1000, 1000, 1000, 1000],
    levels: [100],
    target: 50,
    wantUtilization: 10,
    wantRaw: 200,
  },
  {
    name: 'ScaleDownIgnoreHotCpuPods',
    current: 5,
    want: 2,
    startTimes: [COOL, COOL, COOL, HOT, HOT],
    requests: [1000, 1000, 1000, 1000, 1000],
    levels: [100, 300, 500, 250, 250],
    target: 50,
    wantUtilization: 30,
    wantRaw: 600,
  },
  {
    name: 'ScaleDownIgnoresFailedPods',
    current: 5,
    want: 3,
    readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'],
    phases: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
    requests: [1000, 1000, 1000, 1000, 1000, 1000, 1000],
    levels: [100, 300, 500, 250, 250],
    target: 50,
    wantUtilization: 28,
    wantRaw: 560,
  },
  {
    name: 'ScaleDownIgnoresDeletionPods',
    current: 5,
    want: 3,
    readiness: ['True', 'True', 'True', 'True', 'True', 'False', 'False'],
    phases: ['Running', 'Running', 'Running', 'Running', 'Running', 'Running', 'Running'],
    deleting: [false, false, false, false, false, true, true],
    requests: [1000, 1000, 1000, 1000, 1000, 1000, 1000],
    levels: [100, 300, 500, 250, 250],
    target: 50,
    wantUtilization: 28,
    wantRaw: 560,
  },
  {
    name: 'Tolerance',
    current: 3,
    want: 3,
    requests: [900, 1000, 1100],
    levels: [1010, 1030, 1020],
    target: 100,
    wantUtilization: 102,
    wantRaw: 2040,
  },
  {
    name: 'SuperfluousMetrics',
    current: 4,
    want: 24,
    requests: [1000, 1000, 1000, 1000],
    levels: [4000, 9500, 3000, 7000, 3200, 2000],
    target: 100,
    wantUtilization: 587,
    wantRaw: 11750,
  },
  {
    name: 'MissingMetrics',
    current: 4,
    want: 3,
    requests: [1000, 1000, 1000, 1000],
    levels: [400, 95],
    target: 100,
    wantUtilization: 24,
    wantRaw: 495,
  },
  {
    name: 'EmptyCPURequest',
    current: 1,
    wantError: /missing request for/,
    requests: [],
    levels: [200],
    target: 100,
  },
  {
    name: 'DisjointResourcesMetrics',
    current: 1,
    wantError: /no metrics returned matched known pods/,
    requests: [1000],
    levels: [100],
    podNames: ['an-older-pod-name'],
    target: 100,
  },
  {
    name: 'MissingMetricsNoChangeEq',
    current: 2,
    want: 2,
    requests: [1000, 1000],
    levels: [1000],
    target: 100,
    wantUtilization: 100,
    wantRaw: 2000,
  },
  {
    name: 'MissingMetricsNoChangeGt',
    current: 2,
    want: 2,
    requests: [1000, 1000],
    levels: [1900],
    target: 100,
    wantUtilization: 190,
    wantRaw: 3800,
  },
  {
    name: 'MissingMetricsNoChangeLt',
    current: 2,
    want: 2,
    requests: [1000, 1000],
    levels: [600],
    target: 100,
    wantUtilization: 60,
    wantRaw: 1200,
  },
  {
    name: 'MissingMetricsUnreadyChange',
    current: 3,
    want: 3,
    readiness: ['False', 'True', 'True'],
    requests: [1000, 1000, 1000],
    levels: [100, 450],
    target: 50,
    wantUtilization: 45,
    wantRaw: 900,
  },
  {
    name: 'MissingMetricsHotCpuNoChange',
    current: 3,
    want: 3,
    startTimes: [HOT, COOL, COOL],
    requests: [1000, 1000, 1000],
    levels: [100, 450],
    target: 50,
    wantUtilization: 45,
    wantRaw: 900,
  },
  {
    name: 'MissingMetricsUnreadyScaleUp',
    current: 3,
    want: 4,
    readiness: ['False', 'True', 'True'],
    requests: [1000, 1000, 1000],
    levels: [100, 2000],
    target: 50,
    wantUtilization: 200,
    wantRaw: 4000,
  },
  {
    name: 'MissingMetricsHotCpuScaleUp',
    current: 3,
    want: 4,
    readiness: ['False', 'True', 'True'],
    startTimes: [HOT, COOL, COOL],
    requests: [1000, 1000, 1000],
    levels: [100, 2000],
    target: 50,
    wantUtilization: 200,
    wantRaw: 4000,
  },
  {
    name: 'MissingMetricsUnreadyScaleDown',
    current: 4,
    want: 3,
    readiness: ['False', 'True', 'True', 'True'],
    requests: [1000, 1000, 1000, 1000],
    levels: [100, 100, 100],
    target: 50,
    wantUtilization: 10,
    wantRaw: 200,
  },
];

for (const c of cases)
  test(`resourceReplicas: ${c.name}`, () => {
    const { pods, metrics } = inputs(c);
    if (c.wantError) {
      assert.throws(
        () => resourceReplicas(c.current, c.target, 'cpu', pods, metrics, o),
        (e: Error) => e instanceof CalculationError && c.wantError!.test(e.message),
      );
      return;
    }
    const r = resourceReplicas(c.current, c.target, 'cpu', pods, metrics, o);
    assert.equal(
      { replicas: r.replicas, utilization: r.utilization, raw: r.rawAverage },
      { replicas: c.want, utilization: c.wantUtilization, raw: c.wantRaw },
    );
  });

test('resourceReplicas: no pods is an error', () => {
  assert.throws(() => resourceReplicas(1, 50, 'cpu', [], new Map(), o), /no pods returned by selector/);
});

// TestReplicaCalcComputedToleranceAlgImplementation: 10 pods at 150m asking for ~300m; a target
// just past the tolerance scales down, one just inside it does not.
test('resourceReplicas: computed tolerance boundary', () => {
  const perPod = 300;
  const jitter = [100, -100, 10, -10, 2, -2, 1, -1, 0, 0];
  const pods: CalcPod[] = jitter.map((j, i) => ({
    name: `p${i}`,
    phase: 'Running',
    deleting: false,
    ready: { status: 'True', lastTransitionMs: ZERO },
    startTimeMs: ZERO,
    requestMilli: CONTAINERS * (perPod + j),
  }));
  const metrics = new Map(
    pods.map((p) => [p.name, { valueMilli: CONTAINERS * 150, timestampMs: ZERO, windowMs: 60_000 }]),
  );
  const requestedToUsed = 2;
  const past = Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.01;
  const pastTarget = Math.trunc(past * 100);
  const finalPods = Math.ceil((1500 / (3000 * past)) * 10);
  assert.is(resourceReplicas(10, pastTarget, 'cpu', pods, metrics, o).replicas, finalPods);
  const inside = Math.trunc((Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.004) * 100);
  assert.is(resourceReplicas(10, inside, 'cpu', pods, metrics, o).replicas, 10);
});

// GetRawResourceReplicas (target type AverageValue): the average per pod against the target.
const raw: {
  name: string;
  current: number;
  levels: number[];
  target: number;
  want: number;
  wantUsage: number;
  readiness?: ('True' | 'False')[];
}[] = [
  { name: 'scale up', current: 3, levels: [20000, 10000, 30000], target: 15000, want: 4, wantUsage: 20000 },
  {
    name: 'scale down',
    current: 5,
    levels: [12000, 12000, 12000, 12000, 12000],
    target: 20000,
    want: 3,
    wantUsage: 12000,
  },
  {
    name: 'within tolerance',
    current: 3,
    levels: [20000, 21000, 21000],
    target: 20000,
    want: 3,
    wantUsage: 20666,
  },
];
for (const c of raw)
  test(`rawResourceReplicas: ${c.name}`, () => {
    const pods: CalcPod[] = c.levels.map((_, i) => ({
      name: `p${i}`,
      phase: 'Running',
      deleting: false,
      ready: { status: c.readiness?.[i] ?? 'True', lastTransitionMs: ZERO },
      startTimeMs: ZERO,
      requestMilli: 1,
    }));
    const metrics = new Map(
      c.levels.map((l, i) => [`p${i}`, { valueMilli: l, timestampMs: ZERO, windowMs: 60_000 }]),
    );
    const r = rawResourceReplicas(c.current, c.target, 'memory', pods, metrics, o);
    assert.equal({ replicas: r.replicas, usage: r.usage }, { replicas: c.want, usage: c.wantUsage });
  });

// Upstream's TestGroupPods (times relative to now; phase is irrelevant past Pending/Failed).
const grouping: {
  name: string;
  pod: Omit<CalcPod, 'name' | 'phase' | 'deleting'>;
  metric?: CalcMetric;
  resource: string;
  ready: number;
  unready: boolean;
  missing: boolean;
}[] = [
  {
    name: 'count in a ready pod - memory',
    pod: {},
    metric: { valueMilli: 1, timestampMs: NOW, windowMs: 60_000 },
    resource: 'memory',
    ready: 1,
    unready: false,
    missing: false,
  },
  {
    name: 'ignore a pod without ready condition - CPU',
    pod: { startTimeMs: NOW },
    metric: { valueMilli: 1, timestampMs: ZERO, windowMs: 0 },
    resource: 'cpu',
    ready: 0,
    unready: true,
    missing: false,
  },
  {
    name: 'count in a ready pod with fresh metrics during initialization period - CPU',
    pod: { startTimeMs: NOW - 60_000, ready: { status: 'True', lastTransitionMs: NOW - 30_000 } },
    metric: { valueMilli: 1, timestampMs: NOW, windowMs: 30_000 },
    resource: 'cpu',
    ready: 1,
    unready: false,
    missing: false,
  },
  {
    name: 'ignore a ready pod without fresh metrics during initialization period - CPU',
    pod: { startTimeMs: NOW - 60_000, ready: { status: 'True', lastTransitionMs: NOW - 30_000 } },
    metric: { valueMilli: 1, timestampMs: NOW, windowMs: 60_000 },
    resource: 'cpu',
    ready: 0,
    unready: true,
    missing: false,
  },
  {
    name: 'ignore an unready pod during initialization period - CPU',
    pod: { startTimeMs: NOW - 600_000, ready: { status: 'False', lastTransitionMs: NOW - 594_000 } },
    metric: { valueMilli: 1, timestampMs: ZERO, windowMs: 0 },
    resource: 'cpu',
    ready: 0,
    unready: true,
    missing: false,
  },
  {
    name: 'count in a ready pod without fresh metrics after initialization period - CPU',
    pod: { startTimeMs: NOW - 180_000, ready: { status: 'True', lastTransitionMs: NOW - 180_000 } },
    metric: { valueMilli: 1, timestampMs: NOW - 120_000, windowMs: 60_000 },
    resource: 'cpu',
    ready: 1,
    unready: false,
    missing: false,
  },
  {
    name: 'count in an unready pod that was ready after initialization period - CPU',
    pod: { startTimeMs: NOW - 600_000, ready: { status: 'False', lastTransitionMs: NOW - 540_000 } },
    metric: { valueMilli: 1, timestampMs: ZERO, windowMs: 0 },
    resource: 'cpu',
    ready: 1,
    unready: false,
    missing: false,
  },
  {
    name: 'ignore pod that has never been ready after initialization period - CPU',
    pod: { startTimeMs: NOW - 600_000, ready: { status: 'False', lastTransitionMs: NOW - 590_000 } },
    metric: { valueMilli: 1, timestampMs: ZERO, windowMs: 0 },
    resource: 'cpu',
    ready: 1,
    unready: false,
    missing: false,
  },
  {
    name: 'a missing pod',
    pod: { startTimeMs: NOW - 180_000 },
    resource: 'cpu',
    ready: 0,
    unready: false,
    missing: true,
  },
];
for (const c of grouping)
  test(`groupPods: ${c.name}`, () => {
    const pod: CalcPod = { name: 'p', phase: 'Succeeded', deleting: false, ...c.pod };
    const g = groupPods([pod], new Map(c.metric ? [['p', c.metric]] : []), c.resource, o);
    assert.equal(
      { ready: g.readyCount, unready: g.unready.has('p'), missing: g.missing.has('p') },
      { ready: c.ready, unready: c.unready, missing: c.missing },
    );
  });

test.run();
