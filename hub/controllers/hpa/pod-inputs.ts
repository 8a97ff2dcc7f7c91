// The replica calculator's inputs from pods and the boards' usage: each pod's Ready condition,
// start time and summed requests of the resource, and its latest sample (what metrics.k8s.io
// serves for it), in milli-units as upstream's MilliValue (which rounds up).

import { parseBytes, parseCpuMillis } from '../../../shared/api/quantity.js';
import type { Pod } from '../../../shared/api/types.js';
import type { UsageStore } from '../../metrics-api/usage-store.js';
import type { CalcMetric, CalcPod } from './replica-calculator.js';

/** A resource's quantity in milli-units. */
export function milliOf(resource: string, q: string | number): number {
  return resource === 'cpu' ? parseCpuMillis(q) : parseBytes(q) * 1000;
}

export function calcPod(p: Pod, resource: string): CalcPod {
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
  let request = 0;
  let missing: string | undefined;
  for (const c of p.spec.containers) {
    const r = c.resources?.requests?.[resource];
    if (r === undefined) {
      missing ??= c.name;
      continue;
    }
    request += milliOf(resource, r);
  }
  return {
    name: p.metadata.name ?? '',
    phase: p.status?.phase ?? 'Pending',
    deleting: !!p.metadata.deletionTimestamp,
    ...(ready
      ? { ready: { status: ready.status, lastTransitionMs: Date.parse(ready.lastTransitionTime ?? '') || 0 } }
      : {}),
    ...(p.status?.startTime ? { startTimeMs: Date.parse(p.status.startTime) } : {}),
    ...(missing === undefined ? { requestMilli: request } : { missingRequestContainer: missing }),
  };
}

/** The pods' samples of resource by pod name (pods without a fresh sample are absent). */
export function podMetrics(pods: Pod[], resource: string, usage: UsageStore): Map<string, CalcMetric> {
  const out = new Map<string, CalcMetric>();
  for (const p of pods) {
    const s = usage.podSample(p);
    if (!s) continue;
    let value = 0;
    for (const c of s.usage.containers)
      value += resource === 'cpu' ? Math.ceil(c.cpuNanoCores / 1e6) : c.memoryBytes * 1000;
    out.set(p.metadata.name ?? '', {
      valueMilli: value,
      timestampMs: Date.parse(s.report.timestamp),
      windowMs: s.report.windowSeconds * 1000,
    });
  }
  return out;
}

/** A milli-unit value as a quantity string: whole units plain, else with the m suffix. */
export function milliQuantity(v: number): string {
  return v % 1000 === 0 ? String(v / 1000) : `${v}m`;
}
