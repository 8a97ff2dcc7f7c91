// HorizontalPodAutoscaler controller (kube-controller-manager's horizontal.go): every sync
// period it reads the target's scale (Deployment or ReplicaSet), computes a proposal per metric
// from the pods' usage against their requests (replica-calculator.ts), takes the highest,
// stabilizes and rate-limits it (normalize.ts), writes the target's replicas when they change
// and the HPA's status (currentReplicas, desiredReplicas, currentMetrics and the AbleToScale,
// ScalingActive, ScalingLimited conditions). HPAs come from the shared informer, pods from
// the shared pod informer, usage from the boards' latest reports (what metrics.k8s.io serves).

import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerCondition,
  HorizontalPodAutoscalerStatus,
  HPAConditionType,
  MetricSpec,
  MetricStatus,
} from '../../../shared/api/autoscaling.js';
import { matches, parseSelector } from '../../../shared/api/labels.js';
import type { KubeObject, Pod } from '../../../shared/api/types.js';
import { createLogger, type Logger } from '../../../shared/log.js';
import type { ApiClient } from '../../api/client.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import { toScale } from '../../api/resources/apps-scale.js';
import {
  DEFAULT_MIN_REPLICAS,
  DEFAULT_SCALE_DOWN,
  DEFAULT_SCALE_UP,
} from '../../api/resources/horizontalpodautoscalers.js';
import type { EventRecorder } from '../../events/recorder.js';
import { type InformerFactory, InformerUse } from '../../informers/factory.js';
import { INDEX_NAMESPACE } from '../../informers/indexes.js';
import type { Informer } from '../../informers/informer.js';
import type { UsageStore } from '../../metrics-api/usage-store.js';
import { keyOf } from '../controller-ref.js';
import { type Controller, type Result, Runner } from '../runner.js';
import {
  type BehaviorArgs,
  limitWithBehavior,
  limitWithRules,
  recordScaleEvent,
  ScaleHistory,
  stabilize,
  stabilizeWithBehavior,
} from './normalize.js';
import { calcPod, milliOf, milliQuantity, podMetrics } from './pod-inputs.js';
import {
  type CalcOptions,
  CalculationError,
  DEFAULT_CALC_OPTIONS,
  rawResourceReplicas,
  resourceReplicas,
} from './replica-calculator.js';

/** How often each HPA is re-evaluated (--horizontal-pod-autoscaler-sync-period), ms. */
export const DEFAULT_HPA_SYNC_PERIOD_MS = 15_000;
/** Scale-down window when the HPA sets none (--horizontal-pod-autoscaler-downscale-stabilization), ms. */
export const DEFAULT_DOWNSCALE_STABILIZATION_MS = 300_000;

/** Kinds the HPA can scale: their plural in the apps group. */
const SCALABLE: Record<string, string> = { Deployment: 'deployments', ReplicaSet: 'replicasets' };

export interface HpaControllerOptions {
  client: ApiClient;
  usage: UsageStore;
  recorder?: EventRecorder;
  informers?: InformerFactory;
  log?: Logger;
  /** Re-evaluation period, ms (default DEFAULT_HPA_SYNC_PERIOD_MS, 15 s). */
  syncPeriodMs?: number;
  /** Default scale-down window, ms (default DEFAULT_DOWNSCALE_STABILIZATION_MS, 300 s). */
  downscaleStabilizationMs?: number;
  /** Tolerance and readiness delays of the calculation (defaults: upstream's). */
  calc?: Partial<Omit<CalcOptions, 'nowMs'>>;
  now?: () => number;
}

interface Scale {
  replicas: number;
  selector: string;
  target: KubeObject;
  resource: string;
}

/** One metric's outcome: a proposal and its status, or the reason it could not be computed. */
type MetricOutcome =
  | { ok: true; replicas: number; status: MetricStatus; name: string }
  | { ok: false; reason: string; message: string };

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class HorizontalPodAutoscalerController implements Controller {
  readonly name = 'horizontal-pod-autoscaler';
  private readonly runner: Runner;
  private readonly log: Logger;
  private readonly informers: InformerUse;
  private readonly hpas: Informer<HorizontalPodAutoscaler>;
  private readonly pods: Informer<Pod>;
  private readonly history = new ScaleHistory();
  private readonly syncPeriodMs: number;
  private readonly downWindowMs: number;
  private readonly calc: Omit<CalcOptions, 'nowMs'>;
  private readonly now: () => number;

  constructor(private readonly opts: HpaControllerOptions) {
    this.log = opts.log ?? createLogger('controller/horizontal-pod-autoscaler');
    this.runner = new Runner(this, { log: this.log });
    this.informers = new InformerUse(opts.informers, opts.client, this.log);
    this.hpas = this.informers.factory.informer<HorizontalPodAutoscaler>('horizontalpodautoscalers');
    this.pods = this.informers.factory.informer<Pod>('pods');
    this.syncPeriodMs = opts.syncPeriodMs ?? DEFAULT_HPA_SYNC_PERIOD_MS;
    this.downWindowMs = opts.downscaleStabilizationMs ?? DEFAULT_DOWNSCALE_STABILIZATION_MS;
    for (const [what, v] of [
      ['syncPeriodMs', this.syncPeriodMs],
      ['downscaleStabilizationMs', this.downWindowMs],
    ] as const)
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`${what} must be >= 0`);
    this.calc = { ...DEFAULT_CALC_OPTIONS, ...(opts.calc ?? {}) };
    this.now = opts.now ?? Date.now;
  }

  async start(): Promise<void> {
    // Pods are read at each sync; their informer needs no handler of its own here.
    await this.informers.watch<Pod>('pods', { onChange: () => {} });
    await this.informers.watch<HorizontalPodAutoscaler>('horizontalpodautoscalers', {
      onChange: (type, h) => {
        if (type === 'DELETED') this.history.forget(keyOf(h));
        this.runner.add(keyOf(h));
      },
    });
    this.runner.start();
  }

  async stop(): Promise<void> {
    this.informers.close();
    await this.runner.stop();
  }

  async reconcile(key: string): Promise<Result | undefined> {
    const hpa = this.hpas.get(key);
    if (!hpa || hpa.metadata.deletionTimestamp) {
      this.history.forget(key);
      return undefined;
    }
    const now = this.now();
    const status: HorizontalPodAutoscalerStatus = structuredClone(hpa.status ?? {});
    const setCondition = (type: HPAConditionType, ok: boolean, reason: string, message: string) =>
      setHpaCondition(status, type, ok ? 'True' : 'False', reason, message, now);
    const done = async (): Promise<Result> => {
      status.observedGeneration = hpa.metadata.generation;
      await this.writeStatus(hpa, status);
      return { requeueAfterMs: this.syncPeriodMs };
    };

    const scale = await this.getScale(hpa).catch((e: Error) => e);
    if (scale instanceof Error) {
      setCondition(
        'AbleToScale',
        false,
        'FailedGetScale',
        `the HPA controller was unable to get the target's current scale: ${scale.message}`,
      );
      await this.event(hpa, 'Warning', 'FailedGetScale', scale.message);
      return done();
    }
    setCondition(
      'AbleToScale',
      true,
      'SucceededGetScale',
      "the HPA controller was able to get the target's current scale",
    );
    const current = scale.replicas;
    const min = hpa.spec.minReplicas ?? DEFAULT_MIN_REPLICAS;
    const max = hpa.spec.maxReplicas;
    let desired: number;
    let rescaleReason = '';
    if (current === 0 && min !== 0) {
      // A target scaled to zero by hand is left alone (upstream's "scaling is disabled").
      desired = 0;
      setCondition(
        'ScalingActive',
        false,
        'ScalingDisabled',
        'scaling is disabled since the replica count of the target is zero',
      );
    } else if (current > max) {
      desired = max;
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
    } else if (current < min) {
      desired = min;
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
    } else {
      const computed = this.computeReplicas(hpa, scale, now);
      status.currentMetrics = computed.statuses;
      if (computed.failed) {
        setCondition('ScalingActive', false, computed.failed.reason, computed.failed.message);
        status.currentReplicas = current;
        await this.event(hpa, 'Warning', computed.failed.reason, computed.failed.message);
        return done();
      }
      setCondition(
        'ScalingActive',
        true,
        'ValidMetricFound',
        `the HPA was able to successfully calculate a replica count from ${computed.metricName}`,
      );
      if (computed.replicas > current) rescaleReason = `${computed.metricName} above target`;
      if (computed.replicas < current) rescaleReason = 'All metrics below target';
      desired = this.normalize(hpa, key, current, computed.replicas, min, max, now, setCondition);
    }

    if (desired !== current) {
      try {
        await this.setReplicas(scale, desired);
      } catch (e) {
        const msg = (e as Error).message;
        setCondition(
          'AbleToScale',
          false,
          'FailedUpdateScale',
          `the HPA controller was unable to update the target scale: ${msg}`,
        );
        await this.event(
          hpa,
          'Warning',
          'FailedRescale',
          `New size: ${desired}; reason: ${rescaleReason}; error: ${msg}`,
        );
        await done();
        throw e;
      }
      setCondition(
        'AbleToScale',
        true,
        'SucceededRescale',
        `the HPA controller was able to update the target scale to ${desired}`,
      );
      await this.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
      recordScaleEvent(this.history, key, hpa.spec.behavior, current, desired, now);
      this.log.info('rescaled', { hpa: key, from: current, to: desired, reason: rescaleReason });
      status.lastScaleTime = iso(now);
    }
    status.currentReplicas = current;
    status.desiredReplicas = desired;
    return done();
  }

  /** Stabilization and rate limits, with or without behavior; sets AbleToScale and ScalingLimited. */
  private normalize(
    hpa: HorizontalPodAutoscaler,
    key: string,
    current: number,
    proposed: number,
    min: number,
    max: number,
    now: number,
    setCondition: (t: HPAConditionType, ok: boolean, reason: string, message: string) => void,
  ): number {
    const b = hpa.spec.behavior;
    if (!b) {
      const stable = stabilize(this.history, key, proposed, this.downWindowMs, now);
      setCondition('AbleToScale', true, stable.reason, stable.message);
      const limited = limitWithRules(current, stable.replicas, min, max);
      setCondition('ScalingLimited', limited.replicas !== stable.replicas, limited.reason, limited.message);
      return limited.replicas;
    }
    const scaleDown = { ...DEFAULT_SCALE_DOWN, ...(b.scaleDown ?? {}) };
    // An unset scale-down window is the controller's default (maybeInitScaleDownStabilizationWindow).
    scaleDown.stabilizationWindowSeconds ??= this.downWindowMs / 1000;
    const args: BehaviorArgs = {
      key,
      current,
      desired: proposed,
      min,
      max,
      scaleUp: { ...DEFAULT_SCALE_UP, ...(b.scaleUp ?? {}) },
      scaleDown,
    };
    const stable = stabilizeWithBehavior(this.history, args, now);
    setCondition('AbleToScale', true, stable.reason, stable.message);
    const limited = limitWithBehavior(this.history, { ...args, desired: stable.replicas }, now);
    setCondition('ScalingLimited', limited.replicas !== stable.replicas, limited.reason, limited.message);
    return limited.replicas;
  }

  /** computeReplicasForMetrics: the highest proposal; fails when every metric (or one needed to scale down) fails. */
  private computeReplicas(hpa: HorizontalPodAutoscaler, scale: Scale, now: number) {
    const statuses: MetricStatus[] = [];
    if (!scale.selector)
      return {
        statuses,
        failed: { reason: 'InvalidSelector', message: "the HPA target's scale is missing a selector" },
        replicas: 0,
        metricName: '',
      };
    let selector: ReturnType<typeof parseSelector>;
    try {
      selector = parseSelector(scale.selector);
    } catch (e) {
      return {
        statuses,
        failed: {
          reason: 'InvalidSelector',
          message: `couldn't convert selector into a corresponding internal selector object: ${(e as Error).message}`,
        },
        replicas: 0,
        metricName: '',
      };
    }
    const ns = hpa.metadata.namespace ?? '';
    const pods = this.pods.byIndex(INDEX_NAMESPACE, ns).filter((p) => matches(selector, p.metadata.labels));
    let replicas = 0;
    let metricName = '';
    let invalid: { reason: string; message: string } | undefined;
    let invalidCount = 0;
    const specs = hpa.spec.metrics ?? [];
    for (const m of specs) {
      const r = this.metricReplicas(m, scale.replicas, pods, now);
      if (!r.ok) {
        invalidCount++;
        invalid = { reason: r.reason, message: r.message };
        continue;
      }
      statuses.push(r.status);
      if (r.replicas > replicas) {
        replicas = r.replicas;
        metricName = r.name;
      }
    }
    // Upstream: give up when all metrics fail, or when some fail and the rest would scale down.
    const failed =
      invalid && (invalidCount >= specs.length || replicas < scale.replicas) ? invalid : undefined;
    return { statuses, failed, replicas, metricName };
  }

  private metricReplicas(m: MetricSpec, current: number, pods: Pod[], now: number): MetricOutcome {
    const r = m.resource;
    if (m.type !== 'Resource' || !r)
      return {
        ok: false,
        reason: 'InvalidMetricSourceType',
        message: `the HPA was unable to compute the replica count: unrecognized metric source type "${m.type}"`,
      };
    const fail = (e: unknown): MetricOutcome => {
      if (!(e instanceof CalculationError)) throw e;
      const what = r.target.type === 'Utilization' ? `${r.name} utilization` : `${r.name} usage`;
      return {
        ok: false,
        reason: 'FailedGetResourceMetric',
        message: `the HPA was unable to compute the replica count: failed to get ${what}: ${e.message}`,
      };
    };
    const calcPods = pods.map((p) => calcPod(p, r.name));
    const metrics = podMetrics(pods, r.name, this.opts.usage);
    const o = { ...this.calc, nowMs: now };
    try {
      if (metrics.size === 0)
        throw new CalculationError(
          `unable to get metrics for resource ${r.name}: no metrics returned from resource metrics API`,
        );
      if (r.target.type === 'Utilization') {
        const out = resourceReplicas(current, r.target.averageUtilization ?? 0, r.name, calcPods, metrics, o);
        return {
          ok: true,
          replicas: out.replicas,
          name: `${r.name} resource utilization (percentage of request)`,
          status: {
            type: 'Resource',
            resource: {
              name: r.name,
              current: { averageUtilization: out.utilization, averageValue: milliQuantity(out.rawAverage) },
            },
          },
        };
      }
      const target = milliOf(r.name, r.target.averageValue ?? '0');
      const out = rawResourceReplicas(current, target, r.name, calcPods, metrics, o);
      return {
        ok: true,
        replicas: out.replicas,
        name: `${r.name} resource`,
        status: {
          type: 'Resource',
          resource: { name: r.name, current: { averageValue: milliQuantity(out.usage) } },
        },
      };
    } catch (e) {
      return fail(e);
    }
  }

  private async getScale(hpa: HorizontalPodAutoscaler): Promise<Scale> {
    const ref = hpa.spec.scaleTargetRef;
    const group = (ref.apiVersion ?? '').split('/').slice(-2, -1)[0] ?? '';
    const resource = SCALABLE[ref.kind];
    if (!resource || (ref.apiVersion && group !== 'apps'))
      throw new Error(`no matches for kind "${ref.kind}" in group "${group}"`);
    const target = await this.opts.client.get(resource, hpa.metadata.namespace, ref.name);
    const s = toScale(target as Parameters<typeof toScale>[0]);
    return { replicas: s.spec?.replicas ?? 0, selector: s.status?.selector ?? '', target, resource };
  }

  /** The scale subresource's write: spec.replicas only, on the version read. */
  private async setReplicas(scale: Scale, replicas: number): Promise<void> {
    const m = scale.target.metadata;
    await this.opts.client.patch(
      scale.resource,
      m.namespace,
      m.name ?? '',
      { metadata: { resourceVersion: m.resourceVersion }, spec: { replicas } },
      'merge',
    );
  }

  private async writeStatus(
    hpa: HorizontalPodAutoscaler,
    status: HorizontalPodAutoscalerStatus,
  ): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(hpa.status ?? {})) return;
    try {
      await this.opts.client.update(
        'horizontalpodautoscalers',
        hpa.metadata.namespace,
        { ...hpa, status },
        'status',
      );
    } catch (e) {
      // A newer HPA is on its way through the informer (it requeues); a deleted one needs nothing.
      if (isConflict(e) || isNotFound(e)) return;
      throw e;
    }
  }

  private async event(
    hpa: HorizontalPodAutoscaler,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ) {
    await this.opts.recorder?.record(hpa, type, reason, message).catch(() => {});
  }
}

/** Sets a condition; its transition time moves only when the status changes (upstream's setCondition). */
export function setHpaCondition(
  status: HorizontalPodAutoscalerStatus,
  type: HPAConditionType,
  value: 'True' | 'False',
  reason: string,
  message: string,
  nowMs: number,
): void {
  status.conditions ??= [];
  const list = status.conditions;
  const existing = list.find((c) => c.type === type);
  const next: HorizontalPodAutoscalerCondition = {
    type,
    status: value,
    reason,
    message,
    lastTransitionTime: existing && existing.status === value ? existing.lastTransitionTime : iso(nowMs),
  };
  if (existing) list[list.indexOf(existing)] = next;
  else list.push(next);
}
