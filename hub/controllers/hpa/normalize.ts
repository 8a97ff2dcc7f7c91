// From the metrics' proposal to the replicas the HPA sets, as upstream's horizontal.go:
// stabilization (the highest recommendation within the scale-down window, the lowest within
// the scale-up window), then the rate limits (without behavior: at most max(2x, 4) up; with
// behavior: its policies over their periods) and min/max. Each step names the reason for the
// AbleToScale and ScalingLimited conditions. The recommendation and scale-event history per
// HPA lives in ScaleHistory; time comes in as nowMs.

import type { HPAScalingRules, HorizontalPodAutoscalerBehavior } from '../../../shared/api/autoscaling.js';

/** Without behavior, a scale-up goes to at most max(2 x current, 4) (scaleUpLimitFactor/Minimum). */
const SCALE_UP_LIMIT_FACTOR = 2;
const SCALE_UP_LIMIT_MINIMUM = 4;

export interface Reasoned {
  replicas: number;
  reason: string;
  message: string;
}

interface Recommendation {
  replicas: number;
  atMs: number;
}
interface ScaleEvent {
  change: number;
  atMs: number;
  outdated: boolean;
}

/** Recommendations and scale events per HPA key, kept by the controller between syncs. */
export class ScaleHistory {
  readonly recommendations = new Map<string, Recommendation[]>();
  readonly upEvents = new Map<string, ScaleEvent[]>();
  readonly downEvents = new Map<string, ScaleEvent[]>();

  forget(key: string): void {
    this.recommendations.delete(key);
    this.upEvents.delete(key);
    this.downEvents.delete(key);
  }
}

const STABILIZED: Omit<Reasoned, 'replicas'> = {
  reason: 'ScaleDownStabilized',
  message: 'recent recommendations were higher than current one, applying the highest recent recommendation',
};
const READY: Omit<Reasoned, 'replicas'> = {
  reason: 'ReadyForNewScale',
  message: 'recommended size matches current size',
};

/** Stores a recommendation, reusing the slot of one older than the cut-off. */
function record(list: Recommendation[], rec: Recommendation, obsoleteBeforeMs: number): void {
  const old = list.findIndex((r) => r.atMs < obsoleteBeforeMs);
  if (old >= 0) list[old] = rec;
  else list.push(rec);
}

/** Without behavior: the highest recommendation of the scale-down window (stabilizeRecommendation). */
export function stabilize(
  h: ScaleHistory,
  key: string,
  proposed: number,
  downWindowMs: number,
  nowMs: number,
): Reasoned {
  const list = h.recommendations.get(key) ?? [];
  h.recommendations.set(key, list);
  const cutoff = nowMs - downWindowMs;
  let max = proposed;
  for (const r of list) if (r.atMs >= cutoff && r.replicas > max) max = r.replicas;
  record(list, { replicas: proposed, atMs: nowMs }, cutoff);
  return { replicas: max, ...(max !== proposed ? STABILIZED : READY) };
}

export interface BehaviorArgs {
  key: string;
  current: number;
  desired: number;
  min: number;
  max: number;
  scaleUp: HPAScalingRules;
  scaleDown: HPAScalingRules;
}

/** With behavior: both windows bound the recommendation (stabilizeRecommendationWithBehaviors). */
export function stabilizeWithBehavior(h: ScaleHistory, a: BehaviorArgs, nowMs: number): Reasoned {
  const list = h.recommendations.get(a.key) ?? [];
  h.recommendations.set(a.key, list);
  const upWindow = (a.scaleUp.stabilizationWindowSeconds ?? 0) * 1000;
  const downWindow = (a.scaleDown.stabilizationWindowSeconds ?? 0) * 1000;
  let up = a.desired;
  let down = a.desired;
  for (const r of list) {
    if (r.atMs > nowMs - upWindow) up = Math.min(r.replicas, up);
    if (r.atMs > nowMs - downWindow) down = Math.max(r.replicas, down);
  }
  let rec = a.current;
  if (rec < up) rec = up;
  if (rec > down) rec = down;
  record(list, { replicas: a.desired, atMs: nowMs }, nowMs - Math.max(upWindow, downWindow));
  return { replicas: rec, ...(rec === a.desired ? READY : STABILIZED) };
}

/** Without behavior: min/max and the default scale-up rate (convertDesiredReplicasWithRules). */
export function limitWithRules(current: number, desired: number, min: number, max: number): Reasoned {
  const scaleUpLimit = Math.max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM);
  let maximum: number;
  let possible: Omit<Reasoned, 'replicas'>;
  if (max > scaleUpLimit) {
    maximum = scaleUpLimit;
    possible = {
      reason: 'ScaleUpLimit',
      message: 'the desired replica count is increasing faster than the maximum scale rate',
    };
  } else {
    maximum = max;
    possible = {
      reason: 'TooManyReplicas',
      message: 'the desired replica count is more than the maximum replica count',
    };
  }
  if (desired < min)
    return {
      replicas: min,
      reason: 'TooFewReplicas',
      message: 'the desired replica count is less than the minimum replica count',
    };
  if (desired > maximum) return { replicas: maximum, ...possible };
  return {
    replicas: desired,
    reason: 'DesiredWithinRange',
    message: 'the desired count is within the acceptable range',
  };
}

/** Replicas added (or removed) within the last periodSeconds. */
function changeInPeriod(events: ScaleEvent[], periodSeconds: number, nowMs: number): number {
  const cutoff = nowMs - periodSeconds * 1000;
  let sum = 0;
  for (const e of events) if (e.atMs > cutoff) sum += e.change;
  return sum;
}

/** The highest count the scale-up policies allow now (calculateScaleUpLimitWithScalingRules). */
export function scaleUpLimit(
  current: number,
  events: ScaleEvent[],
  rules: HPAScalingRules,
  nowMs: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(events, p.periodSeconds, nowMs);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** The lowest count the scale-down policies allow now (calculateScaleDownLimitWithBehaviors). */
export function scaleDownLimit(
  current: number,
  events: ScaleEvent[],
  rules: HPAScalingRules,
  nowMs: number,
): number {
  if (rules.selectPolicy === 'Disabled') return current;
  // "Min" selects the policy that changes least: the highest floor.
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  for (const p of rules.policies ?? []) {
    const start = current + changeInPeriod(events, p.periodSeconds, nowMs);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** With behavior: the policies' rate and min/max (convertDesiredReplicasWithBehaviorRate). */
export function limitWithBehavior(h: ScaleHistory, a: BehaviorArgs, nowMs: number): Reasoned {
  if (a.desired > a.current) {
    const limit = Math.max(scaleUpLimit(a.current, h.upEvents.get(a.key) ?? [], a.scaleUp, nowMs), a.current);
    const byRate = a.max > limit;
    const allowed = byRate ? limit : a.max;
    if (a.desired > allowed)
      return byRate
        ? {
            replicas: allowed,
            reason: 'ScaleUpLimit',
            message: 'the desired replica count is increasing faster than the maximum scale rate',
          }
        : {
            replicas: allowed,
            reason: 'TooManyReplicas',
            message: 'the desired replica count is more than the maximum replica count',
          };
  } else if (a.desired < a.current) {
    const limit = Math.min(
      scaleDownLimit(a.current, h.downEvents.get(a.key) ?? [], a.scaleDown, nowMs),
      a.current,
    );
    const byRate = a.min < limit;
    const allowed = byRate ? limit : a.min;
    if (a.desired < allowed)
      return byRate
        ? {
            replicas: allowed,
            reason: 'ScaleDownLimit',
            message: 'the desired replica count is decreasing faster than the maximum scale rate',
          }
        : {
            replicas: allowed,
            reason: 'TooFewReplicas',
            message: 'the desired replica count is less than the minimum replica count',
          };
  }
  return {
    replicas: a.desired,
    reason: 'DesiredWithinRange',
    message: 'the desired count is within the acceptable range',
  };
}

function longestPeriodMs(rules: HPAScalingRules | undefined): number {
  return Math.max(0, ...(rules?.policies ?? []).map((p) => p.periodSeconds)) * 1000;
}

/** After a rescale under behavior, remembers the change for the policies' periods (storeScaleEvent). */
export function recordScaleEvent(
  h: ScaleHistory,
  key: string,
  behavior: HorizontalPodAutoscalerBehavior | undefined,
  prev: number,
  next: number,
  nowMs: number,
): void {
  if (!behavior || prev === next) return;
  const up = next > prev;
  const map = up ? h.upEvents : h.downEvents;
  const events = map.get(key) ?? [];
  map.set(key, events);
  const cutoff = nowMs - longestPeriodMs(up ? behavior.scaleUp : behavior.scaleDown);
  for (const e of events) if (e.atMs <= cutoff) e.outdated = true;
  const ev = { change: Math.abs(next - prev), atMs: nowMs, outdated: false };
  const old = events.findIndex((e) => e.outdated);
  if (old >= 0) events[old] = ev;
  else events.push(ev);
}
