// The arithmetic of a PodDisruptionBudget (upstream pkg/controller/disruption), pure: which
// pods it covers, how many must stay healthy, how many may be disrupted now. The disruption
// controller writes the result to status; the eviction subresource spends it.

import type { PodDisruptionBudget } from '../../shared/api/policy.js';
import { fromLabelSelector, matches } from '../../shared/api/labels.js';
import type { OwnerReference, Pod } from '../../shared/api/types.js';
import { isPodReady } from './active-pods.js';

/** An evicted pod not yet seen deleted stops counting against the budget after this, ms (upstream DeletionTimeout). */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60 * 1000;

/** Pods of the budget's namespace its selector covers; a missing selector covers none (policy/v1). */
export function coveredPods(pdb: PodDisruptionBudget, pods: Pod[]): Pod[] {
  const sel = pdb.spec?.selector;
  if (!sel) return [];
  let selector: ReturnType<typeof fromLabelSelector>;
  try {
    selector = fromLabelSelector(sel);
  } catch {
    return [];
  }
  return pods.filter(
    (p) => p.metadata.namespace === pdb.metadata.namespace && matches(selector, p.metadata.labels),
  );
}

/** "N%" of total rounded up, or the count itself (intstr.GetScaledValueFromIntOrPercent, roundUp). */
export function scaled(v: number | string, total: number): number {
  if (typeof v === 'number') return v;
  const pct = Number(v.replace('%', ''));
  return Math.ceil((pct * total) / 100);
}

/**
 * Pods the budget expects: with an integer minAvailable, the pods it covers; otherwise the
 * scale of their controllers (`scaleOf` returns a controller's desired replicas, or undefined
 * when unknown, where the covered pods of that controller are counted instead).
 */
export function expectedPods(
  pdb: PodDisruptionBudget,
  pods: Pod[],
  scaleOf: (ref: OwnerReference) => number | undefined,
): number {
  if (typeof pdb.spec?.minAvailable === 'number') return pods.length;
  const byController = new Map<string, { ref: OwnerReference | undefined; pods: number }>();
  for (const p of pods) {
    const ref = p.metadata.ownerReferences?.find((r) => r.controller === true);
    const k = ref?.uid ?? `pod:${p.metadata.name}`;
    const e = byController.get(k) ?? { ref, pods: 0 };
    e.pods++;
    byController.set(k, e);
  }
  let total = 0;
  for (const { ref, pods: n } of byController.values()) total += (ref && scaleOf(ref)) ?? n;
  return total;
}

export type BudgetStatus = NonNullable<PodDisruptionBudget['status']>;

export function budgetStatus(
  pdb: PodDisruptionBudget,
  covered: Pod[],
  expected: number,
  now: number,
): BudgetStatus {
  const live = new Map(
    covered.filter((p) => !p.metadata.deletionTimestamp).map((p) => [p.metadata.name ?? '', p]),
  );
  // Evictions still in flight keep counting as disruptions until their pod is seen going.
  const disruptedPods: Record<string, string> = {};
  for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {}))
    if (live.has(name) && now - Date.parse(at) < DISRUPTED_POD_TIMEOUT_MS) disruptedPods[name] = at;
  let healthy = 0;
  for (const [name, p] of live) if (isPodReady(p) && !(name in disruptedPods)) healthy++;
  const s = pdb.spec ?? {};
  const desired =
    s.minAvailable !== undefined
      ? scaled(s.minAvailable, expected)
      : s.maxUnavailable !== undefined
        ? Math.max(0, expected - scaled(s.maxUnavailable, expected))
        : 0;
  const allowed = Math.max(0, healthy - desired);
  const generation = pdb.metadata.generation ?? 1;
  const reason = allowed > 0 ? 'SufficientPods' : 'InsufficientPods';
  const prev = pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
  const status = allowed > 0 ? 'True' : 'False';
  return {
    observedGeneration: generation,
    ...(Object.keys(disruptedPods).length ? { disruptedPods } : {}),
    disruptionsAllowed: allowed,
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
    conditions: [
      {
        type: 'DisruptionAllowed',
        status,
        reason,
        observedGeneration: generation,
        lastTransitionTime:
          prev?.status === status && prev.lastTransitionTime
            ? prev.lastTransitionTime
            : new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      },
    ],
  };
}
