// The HPA's replica calculation for resource metrics, as upstream's replica_calculator.go:
// desired = ceil(ready pods * current / target), no change within the tolerance, and a second
// pass for the pods it could not count (unready and missing pods are assumed to use nothing on
// a scale-up and their request, or the target if higher, on a scale-down; the result must not
// reverse the direction). Pure: pods and metrics come in, a proposal or a CalculationError out.
// Values are in milli-units (millicores, milli-bytes), as upstream's MilliValue.

export interface CalcPod {
  name: string;
  phase: string;
  deleting: boolean;
  /** The Ready condition; undefined when the pod has none. */
  ready?: { status: string; lastTransitionMs: number };
  startTimeMs?: number;
  /** Sum of the containers' requests of the resource; undefined when a container has none. */
  requestMilli?: number;
  /** The first container without a request (for the error message). */
  missingRequestContainer?: string;
}

export interface CalcMetric {
  valueMilli: number;
  timestampMs: number;
  windowMs: number;
}

export interface CalcOptions {
  /** Ratio band around 1 within which nothing changes (--horizontal-pod-autoscaler-tolerance). */
  tolerance: number;
  /** A pod this young may still be warming up (--horizontal-pod-autoscaler-cpu-initialization-period), ms. */
  cpuInitializationPeriodMs: number;
  /** Readiness flips this soon after start are the first readiness (--horizontal-pod-autoscaler-initial-readiness-delay), ms. */
  delayOfInitialReadinessStatusMs: number;
  nowMs: number;
}

export const DEFAULT_CALC_OPTIONS: Omit<CalcOptions, 'nowMs'> = {
  tolerance: 0.1,
  cpuInitializationPeriodMs: 5 * 60_000,
  delayOfInitialReadinessStatusMs: 30_000,
};

/** A calculation that cannot be made; the message is upstream's. */
export class CalculationError extends Error {
  override name = 'CalculationError';
}

export interface Grouped {
  readyCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** groupPods: deleted and failed pods are ignored, pending ones unready, pods without a sample missing. */
export function groupPods(
  pods: CalcPod[],
  metrics: Map<string, CalcMetric>,
  resource: string,
  o: CalcOptions,
): Grouped {
  const g: Grouped = { readyCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const p of pods) {
    if (p.deleting || p.phase === 'Failed') {
      g.ignored.add(p.name);
      continue;
    }
    if (p.phase === 'Pending') {
      g.unready.add(p.name);
      continue;
    }
    const m = metrics.get(p.name);
    if (!m) {
      g.missing.add(p.name);
      continue;
    }
    // Only CPU is skewed by start-up: memory samples count whatever the readiness.
    if (resource === 'cpu') {
      let unready: boolean;
      if (!p.ready || p.startTimeMs === undefined) unready = true;
      else if (p.startTimeMs + o.cpuInitializationPeriodMs > o.nowMs)
        // Still initializing: unready, or ready too recently for the sample to be of a ready pod.
        unready = p.ready.status === 'False' || m.timestampMs < p.ready.lastTransitionMs + m.windowMs;
      else
        unready =
          p.ready.status === 'False' &&
          p.startTimeMs + o.delayOfInitialReadinessStatusMs > p.ready.lastTransitionMs;
      if (unready) {
        g.unready.add(p.name);
        continue;
      }
    }
    g.readyCount++;
  }
  return g;
}

function requestsOf(pods: CalcPod[], resource: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of pods) {
    if (p.requestMilli === undefined)
      throw new CalculationError(
        `missing request for ${resource} in container ${p.missingRequestContainer ?? ''} of Pod ${p.name}`,
      );
    out.set(p.name, p.requestMilli);
  }
  return out;
}

/** GetResourceUtilizationRatio: utilization is a whole percent, the ratio is taken from it. */
export function utilizationRatio(
  metrics: Map<string, CalcMetric>,
  requests: Map<string, number>,
  targetUtilization: number,
): { ratio: number; utilization: number; rawAverage: number } {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let n = 0;
  for (const [name, m] of metrics) {
    const r = requests.get(name);
    if (r === undefined) continue;
    metricsTotal += m.valueMilli;
    requestsTotal += r;
    n++;
  }
  if (requestsTotal === 0) throw new CalculationError('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / n) };
}

/** GetMetricUsageRatio: the average over the samples against a per-pod target. */
export function usageRatio(
  metrics: Map<string, CalcMetric>,
  targetMilli: number,
): { ratio: number; usage: number } {
  let total = 0;
  for (const m of metrics.values()) total += m.valueMilli;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetMilli, usage };
}

const sample = (valueMilli: number): CalcMetric => ({ valueMilli, timestampMs: 0, windowMs: 0 });

function counted(pods: CalcPod[], metrics: Map<string, CalcMetric>, resource: string, o: CalcOptions) {
  if (pods.length === 0)
    throw new CalculationError('no pods returned by selector while calculating replica count');
  const g = groupPods(pods, metrics, resource, o);
  const left = new Map(metrics);
  for (const n of g.ignored) left.delete(n);
  for (const n of g.unready) left.delete(n);
  return { g, left };
}

/** Whether a second pass keeps the current count: within tolerance, or the direction reversed. */
function holds(first: number, second: number, tolerance: number): boolean {
  return Math.abs(1 - second) <= tolerance || (first < 1 && second > 1) || (first > 1 && second < 1);
}

/** Replicas for a target utilization (percent of requests): GetResourceReplicas. */
export function resourceReplicas(
  currentReplicas: number,
  targetUtilization: number,
  resource: string,
  pods: CalcPod[],
  metrics: Map<string, CalcMetric>,
  o: CalcOptions,
): { replicas: number; utilization: number; rawAverage: number } {
  const { g, left } = counted(pods, metrics, resource, o);
  const requests = requestsOf(pods, resource);
  if (left.size === 0)
    throw new CalculationError('did not receive metrics for targeted pods (pods might be unready)');
  const first = utilizationRatio(left, requests, targetUtilization);
  const base = { utilization: first.utilization, rawAverage: first.rawAverage };
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= o.tolerance) return { replicas: currentReplicas, ...base };
    return { replicas: Math.ceil(first.ratio * g.readyCount), ...base };
  }
  if (first.ratio < 1) {
    // On a scale-down a missing pod counts at its request or the target, whichever is higher.
    const fallback = Math.max(100, targetUtilization);
    for (const n of g.missing) left.set(n, sample((fallback * (requests.get(n) ?? 0)) / 100));
  } else if (first.ratio > 1) {
    for (const n of g.missing) left.set(n, sample(0));
  }
  if (scaleUpWithUnready) for (const n of g.unready) left.set(n, sample(0));
  const second = utilizationRatio(left, requests, targetUtilization).ratio;
  if (holds(first.ratio, second, o.tolerance)) return { replicas: currentReplicas, ...base };
  const replicas = Math.ceil(second * left.size);
  if ((second < 1 && replicas > currentReplicas) || (second > 1 && replicas < currentReplicas))
    return { replicas: currentReplicas, ...base };
  return { replicas, ...base };
}

/** Replicas for a target average value per pod (milli-units): GetRawResourceReplicas. */
export function rawResourceReplicas(
  currentReplicas: number,
  targetMilli: number,
  resource: string,
  pods: CalcPod[],
  metrics: Map<string, CalcMetric>,
  o: CalcOptions,
): { replicas: number; usage: number } {
  const { g, left } = counted(pods, metrics, resource, o);
  if (left.size === 0)
    throw new CalculationError('did not receive metrics for targeted pods (pods might be unready)');
  const first = usageRatio(left, targetMilli);
  const scaleUpWithUnready = g.unready.size > 0 && first.ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (Math.abs(1 - first.ratio) <= o.tolerance) return { replicas: currentReplicas, usage: first.usage };
    return { replicas: Math.ceil(first.ratio * g.readyCount), usage: first.usage };
  }
  for (const n of g.missing) left.set(n, sample(first.ratio < 1 ? targetMilli : 0));
  if (scaleUpWithUnready) for (const n of g.unready) left.set(n, sample(0));
  const second = usageRatio(left, targetMilli).ratio;
  if (holds(first.ratio, second, o.tolerance)) return { replicas: currentReplicas, usage: first.usage };
  const replicas = Math.ceil(second * left.size);
  if ((second < 1 && replicas > currentReplicas) || (second > 1 && replicas < currentReplicas))
    return { replicas: currentReplicas, usage: first.usage };
  return { replicas, usage: first.usage };
}
