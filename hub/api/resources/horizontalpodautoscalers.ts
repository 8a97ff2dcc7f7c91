// autoscaling/v2 HorizontalPodAutoscaler: defaults and validation as upstream's (minReplicas 1,
// an 80% CPU target when no metric is given, behavior filled in only when given), and
// `kubectl get hpa`'s columns. Its controller is hub/controllers/hpa/; autoscaling/v1 is a view
// of the same objects (horizontalpodautoscalers-v1.ts).

import type {
  HorizontalPodAutoscaler,
  HPAScalingRules,
  MetricSpec,
} from '../../../shared/api/autoscaling.js';
import { isValidQuantity, parseQuantity } from '../../../shared/api/quantity.js';
import type { StatusCause } from '../../../shared/api/types.js';
import { cause, notSupported, required } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { arr, int, kindSchema, obj, quantity, str } from '../schema.js';
import { age, ageColumn, col, nameColumn } from '../table.js';

/** Upstream's default target when spec.metrics is empty: 80% of the CPU requests. */
export const DEFAULT_CPU_UTILIZATION = 80;
export const DEFAULT_MIN_REPLICAS = 1;
/** Scale-up rules filled in when behavior is given without them (GenerateHPAScaleUpRules). */
export const DEFAULT_SCALE_UP: Required<Omit<HPAScalingRules, 'stabilizationWindowSeconds'>> & {
  stabilizationWindowSeconds: number;
} = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
/** Scale-down rules; the window stays unset: the controller's 300 s applies (GenerateHPAScaleDownRules). */
export const DEFAULT_SCALE_DOWN: HPAScalingRules = {
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};
/** Limits of upstream's validation, seconds. */
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
/** Resources the boards report usage for. */
const SCALABLE_RESOURCES = ['cpu', 'memory'];

const target = obj({ type: str, averageUtilization: int, averageValue: quantity, value: quantity });
const rules = obj({
  stabilizationWindowSeconds: int,
  selectPolicy: str,
  policies: arr(obj({ type: str, value: int, periodSeconds: int })),
});
const crossRef = obj({ kind: str, name: str, apiVersion: str });
const metricValue = obj({ value: quantity, averageValue: quantity, averageUtilization: int });

export const hpaSchema = kindSchema({
  spec: obj({
    scaleTargetRef: crossRef,
    minReplicas: int,
    maxReplicas: int,
    metrics: arr(obj({ type: str, resource: obj({ name: str, target }) })),
    behavior: obj({ scaleUp: rules, scaleDown: rules }),
  }),
  status: obj({
    observedGeneration: int,
    lastScaleTime: str,
    currentReplicas: int,
    desiredReplicas: int,
    currentMetrics: arr(obj({ type: str, resource: obj({ name: str, current: metricValue }) })),
    conditions: arr(obj({ type: str, status: str, lastTransitionTime: str, reason: str, message: str })),
  }),
});

function fillRules(given: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  if (!given) return structuredClone(defaults);
  given.selectPolicy ??= defaults.selectPolicy;
  given.policies ??= structuredClone(defaults.policies);
  if (given.stabilizationWindowSeconds === undefined && defaults.stabilizationWindowSeconds !== undefined)
    given.stabilizationWindowSeconds = defaults.stabilizationWindowSeconds;
  return given;
}

export function defaultHpa(h: HorizontalPodAutoscaler): void {
  const s = h.spec;
  if (!s) return;
  s.minReplicas ??= DEFAULT_MIN_REPLICAS;
  if (!s.metrics || s.metrics.length === 0)
    s.metrics = [
      {
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION },
        },
      },
    ];
  if (s.behavior) {
    s.behavior.scaleUp = fillRules(s.behavior.scaleUp, DEFAULT_SCALE_UP);
    s.behavior.scaleDown = fillRules(s.behavior.scaleDown, DEFAULT_SCALE_DOWN);
  }
}

function validateMetric(m: MetricSpec, path: string): StatusCause[] {
  if (m.type !== 'Resource')
    return [notSupported(`${path}.type`, m.type, ['Resource'], '(Drover serves resource metrics only)')];
  const r = m.resource;
  if (!r) return [required(`${path}.resource`, 'must populate information for the given metric source')];
  const out: StatusCause[] = [];
  if (!SCALABLE_RESOURCES.includes(r.name))
    out.push(notSupported(`${path}.resource.name`, r.name, ['cpu', 'memory']));
  const t = r.target;
  if (!t) return [...out, required(`${path}.resource.target`)];
  if (t.type === 'Utilization') {
    if (t.averageUtilization === undefined)
      out.push(
        required(
          `${path}.resource.target.averageUtilization`,
          'must set either a target raw value or a target utilization',
        ),
      );
    else if (!(t.averageUtilization > 0))
      out.push(
        cause(
          `${path}.resource.target.averageUtilization`,
          `Invalid value: ${t.averageUtilization}: must be greater than 0`,
        ),
      );
  } else if (t.type === 'AverageValue') {
    if (
      t.averageValue === undefined ||
      !isValidQuantity(t.averageValue) ||
      !(parseQuantity(t.averageValue) > 0)
    )
      out.push(
        cause(
          `${path}.resource.target.averageValue`,
          `Invalid value: "${t.averageValue ?? ''}": must be positive`,
        ),
      );
  } else {
    out.push(notSupported(`${path}.resource.target.type`, t.type, ['Utilization', 'AverageValue']));
  }
  return out;
}

function validateRules(r: HPAScalingRules | undefined, path: string): StatusCause[] {
  if (!r) return [];
  const out: StatusCause[] = [];
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && (!Number.isInteger(w) || w < 0 || w > MAX_STABILIZATION_WINDOW_SECONDS))
    out.push(
      cause(
        `${path}.stabilizationWindowSeconds`,
        `Invalid value: ${w}: must be between 0 and ${MAX_STABILIZATION_WINDOW_SECONDS}`,
      ),
    );
  if (r.selectPolicy !== undefined && !['Max', 'Min', 'Disabled'].includes(r.selectPolicy))
    out.push(notSupported(`${path}.selectPolicy`, r.selectPolicy, ['Disabled', 'Max', 'Min']));
  if (r.policies && r.policies.length === 0 && r.selectPolicy !== 'Disabled')
    out.push(required(`${path}.policies`, 'must specify at least one Policy'));
  (r.policies ?? []).forEach((p, i) => {
    const pp = `${path}.policies[${i}]`;
    if (p.type !== 'Pods' && p.type !== 'Percent')
      out.push(notSupported(`${pp}.type`, p.type, ['Percent', 'Pods']));
    if (!(Number.isInteger(p.value) && p.value > 0))
      out.push(cause(`${pp}.value`, `Invalid value: ${p.value}: must be greater than zero`));
    if (!(Number.isInteger(p.periodSeconds) && p.periodSeconds > 0 && p.periodSeconds <= MAX_PERIOD_SECONDS))
      out.push(
        cause(
          `${pp}.periodSeconds`,
          `Invalid value: ${p.periodSeconds}: must be greater than zero and less than or equal to ${MAX_PERIOD_SECONDS}`,
        ),
      );
  });
  return out;
}

export function validateHpa(h: HorizontalPodAutoscaler): StatusCause[] {
  const s = h.spec;
  if (!s) return [required('spec')];
  const out: StatusCause[] = [];
  const ref = s.scaleTargetRef;
  if (!ref?.kind) out.push(required('spec.scaleTargetRef.kind'));
  if (!ref?.name) out.push(required('spec.scaleTargetRef.name'));
  const min = s.minReplicas ?? DEFAULT_MIN_REPLICAS;
  // HPAScaleToZero is an alpha gate upstream, off by default: minReplicas >= 1.
  if (!Number.isInteger(min) || min < 1)
    out.push(cause('spec.minReplicas', `Invalid value: ${min}: must be greater than or equal to 1`));
  if (!Number.isInteger(s.maxReplicas) || s.maxReplicas < 1)
    out.push(cause('spec.maxReplicas', `Invalid value: ${s.maxReplicas}: must be greater than 0`));
  else if (s.maxReplicas < min)
    out.push(
      cause(
        'spec.maxReplicas',
        `Invalid value: ${s.maxReplicas}: must be greater than or equal to \`minReplicas\``,
      ),
    );
  for (const [i, m] of (s.metrics ?? []).entries()) out.push(...validateMetric(m, `spec.metrics[${i}]`));
  out.push(...validateRules(s.behavior?.scaleUp, 'spec.behavior.scaleUp'));
  out.push(...validateRules(s.behavior?.scaleDown, 'spec.behavior.scaleDown'));
  return out;
}

/** kubectl's TARGETS cell: `cpu: 12%/50%` per metric, `<unknown>` before the first reading. */
export function formatTargets(h: HorizontalPodAutoscaler): string {
  const specs = h.spec.metrics ?? [];
  if (specs.length === 0) return '<none>';
  const cells = specs.map((m, i) => {
    const r = m.resource;
    if (!r) return '<unknown>';
    const cur = h.status?.currentMetrics?.[i]?.resource?.current;
    if (r.target.type === 'Utilization') {
      const now = cur?.averageUtilization !== undefined ? `${cur.averageUtilization}%` : '<unknown>';
      return `${r.name}: ${now}/${r.target.averageUtilization}%`;
    }
    return `${r.name}: ${cur?.averageValue ?? '<unknown>'}/${r.target.averageValue}`;
  });
  // kubectl shows two and counts the rest.
  return cells.length > 2
    ? `${cells.slice(0, 2).join(', ')} + ${cells.length - 2} more...`
    : cells.join(', ');
}

export const horizontalpodautoscalers: ResourceDef<HorizontalPodAutoscaler> = {
  group: 'autoscaling',
  version: 'v2',
  resource: 'horizontalpodautoscalers',
  kind: 'HorizontalPodAutoscaler',
  singular: 'horizontalpodautoscaler',
  shortNames: ['hpa'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status'],
  schema: hpaSchema,
  defaults: defaultHpa,
  prepareCreate(h) {
    h.status = {};
  },
  validate: (h) => validateHpa(h),
  table: {
    columns: [
      nameColumn,
      col('Reference', 'string', 'The target of the autoscaler'),
      col('Targets', 'string', 'Current and target metric values'),
      col('MinPods', 'string', 'Lower limit of replicas'),
      col('MaxPods', 'integer', 'Upper limit of replicas'),
      col('Replicas', 'integer', 'Replicas the target had at the last sync'),
      ageColumn,
    ],
    cells: (h, now) => [
      h.metadata.name,
      `${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`,
      formatTargets(h),
      h.spec.minReplicas !== undefined ? String(h.spec.minReplicas) : '<unset>',
      h.spec.maxReplicas,
      h.status?.currentReplicas ?? 0,
      age(h.metadata.creationTimestamp, now),
    ],
  },
};
