// apps/v1 defaulting and validation (k8s.io/kubernetes pkg/apis/apps defaults.go and
// validation.go): what a Deployment, ReplicaSet or DaemonSet must satisfy to be stored.

import type {
  DaemonSet,
  Deployment,
  IntOrString,
  PodTemplateSpec,
  ReplicaSet,
} from '../../../shared/api/apps.js';
import { fromLabelSelector, InvalidLabelSelectorObjectError, matches } from '../../../shared/api/labels.js';
import type { LabelSelector, Pod, StatusCause } from '../../../shared/api/types.js';
import { canonicalJson, cause, notSupported, required } from '../meta.js';
import { defaultPod, validatePodSpec } from './pod-validation.js';

// Kubernetes apps/v1 defaults.
export const DEFAULT_REPLICAS = 1;
export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';
/** Old ReplicaSets kept for rollback (count). */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
/** Seconds without progress before Progressing=False (ProgressDeadlineExceeded). */
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;
/** DaemonSet rolling update: pods (count). */
export const DEFAULT_DS_MAX_UNAVAILABLE = 1;
export const DEFAULT_DS_MAX_SURGE = 0;

const PERCENT = /^[0-9]+%$/;
const NONNEG = 'must be greater than or equal to 0';

export function defaultTemplate(t: PodTemplateSpec | undefined): void {
  if (!t?.spec) return;
  // defaultPod only reads .spec; a template is shaped like a pod for that purpose.
  defaultPod({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: t.spec } as Pod);
}

export function defaultDeployment(d: Deployment): void {
  const s = d.spec;
  if (!s) return;
  if (s.replicas === undefined || s.replicas === null) s.replicas = DEFAULT_REPLICAS;
  if (!s.strategy) s.strategy = {};
  if (!s.strategy.type) s.strategy.type = 'RollingUpdate';
  if (s.strategy.type === 'RollingUpdate') {
    const ru = s.strategy.rollingUpdate ?? {};
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null)
      ru.maxUnavailable = DEFAULT_MAX_UNAVAILABLE;
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = DEFAULT_MAX_SURGE;
    s.strategy.rollingUpdate = ru;
  }
  if (s.revisionHistoryLimit === undefined || s.revisionHistoryLimit === null)
    s.revisionHistoryLimit = DEFAULT_REVISION_HISTORY_LIMIT;
  if (s.progressDeadlineSeconds === undefined || s.progressDeadlineSeconds === null)
    s.progressDeadlineSeconds = DEFAULT_PROGRESS_DEADLINE_SECONDS;
  defaultTemplate(s.template);
}

export function defaultReplicaSet(rs: ReplicaSet): void {
  if (!rs.spec) return;
  if (rs.spec.replicas === undefined || rs.spec.replicas === null) rs.spec.replicas = DEFAULT_REPLICAS;
  defaultTemplate(rs.spec.template);
}

export function defaultDaemonSet(ds: DaemonSet): void {
  const s = ds.spec;
  if (!s) return;
  if (!s.updateStrategy) s.updateStrategy = {};
  if (!s.updateStrategy.type) s.updateStrategy.type = 'RollingUpdate';
  if (s.updateStrategy.type === 'RollingUpdate') {
    const ru = s.updateStrategy.rollingUpdate ?? {};
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null)
      ru.maxUnavailable = DEFAULT_DS_MAX_UNAVAILABLE;
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = DEFAULT_DS_MAX_SURGE;
    s.updateStrategy.rollingUpdate = ru;
  }
  if (s.revisionHistoryLimit === undefined || s.revisionHistoryLimit === null)
    s.revisionHistoryLimit = DEFAULT_REVISION_HISTORY_LIMIT;
  defaultTemplate(s.template);
}

/** An optional integer field that must be >= 0 (apimachinery's ValidateNonnegativeField). */
export function nonNegative(field: string, v: number | undefined): StatusCause[] {
  return v !== undefined && v !== null && (!Number.isInteger(v) || v < 0)
    ? [cause(field, `Invalid value: ${v}: ${NONNEG}`)]
    : [];
}

/** An IntOrString that is a non-negative int or a percent ('25%'); percent <= 100 when capped. */
export function validateIntOrPercent(
  field: string,
  v: IntOrString | undefined,
  capAt100: boolean,
): StatusCause[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'number') return nonNegative(field, v);
  if (!PERCENT.test(v))
    return [
      cause(
        field,
        `Invalid value: "${v}": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
      ),
    ];
  if (capAt100 && Number(v.slice(0, -1)) > 100)
    return [cause(field, `Invalid value: "${v}": must not be greater than 100%`)];
  return [];
}

function isZero(v: IntOrString | undefined): boolean {
  return v === 0 || v === '0%';
}

/** Selector and template shared by all three kinds. */
export function validateSelectorTemplate(
  selector: LabelSelector | undefined,
  template: PodTemplateSpec | undefined,
): StatusCause[] {
  const out: StatusCause[] = [];
  const hasSel =
    selector &&
    (Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions ?? []).length > 0);
  if (!selector) out.push(required('spec.selector'));
  else if (!hasSel)
    out.push(
      cause(
        'spec.selector',
        `Invalid value: ${JSON.stringify(selector)}: empty selector is invalid for deployment`,
      ),
    );
  else {
    try {
      const sel = fromLabelSelector(selector);
      const labels = template?.metadata?.labels;
      if (!matches(sel, labels))
        out.push(
          cause(
            'spec.template.metadata.labels',
            `Invalid value: ${JSON.stringify(labels ?? {})}: \`selector\` does not match template \`labels\``,
          ),
        );
    } catch (e) {
      if (!(e instanceof InvalidLabelSelectorObjectError)) throw e;
      out.push(cause('spec.selector', `Invalid value: ${JSON.stringify(selector)}: ${e.message}`));
    }
  }
  if (!template) {
    out.push(required('spec.template'));
    return out;
  }
  out.push(...validatePodSpec(template.spec, 'spec.template.spec'));
  const rp = template.spec?.restartPolicy;
  if (rp && rp !== 'Always') out.push(notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  return out;
}

function immutableSelector(sel: LabelSelector | undefined, old: LabelSelector | undefined): StatusCause[] {
  if (canonicalJson(sel ?? null) === canonicalJson(old ?? null)) return [];
  return [cause('spec.selector', `Invalid value: ${JSON.stringify(sel ?? null)}: field is immutable`)];
}

export function validateDeployment(d: Deployment, old?: Deployment): StatusCause[] {
  const s = d.spec;
  if (!s) return [required('spec')];
  const out = [
    ...nonNegative('spec.replicas', s.replicas),
    ...validateSelectorTemplate(s.selector, s.template),
  ];
  const st = s.strategy ?? {};
  const types = ['RollingUpdate', 'Recreate'];
  if (st.type && !types.includes(st.type))
    out.push(notSupported('spec.strategy.type', st.type, ['Recreate', 'RollingUpdate']));
  if (st.type === 'Recreate' && st.rollingUpdate)
    out.push(
      cause(
        'spec.strategy.rollingUpdate',
        "Forbidden: may not be specified when strategy `type` is 'Recreate'",
        'FieldValueForbidden',
      ),
    );
  if (st.type === 'RollingUpdate' && st.rollingUpdate)
    out.push(...validateRollingUpdate('spec.strategy.rollingUpdate', st.rollingUpdate, false));
  out.push(...nonNegative('spec.revisionHistoryLimit', s.revisionHistoryLimit));
  out.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds));
  out.push(...nonNegative('spec.progressDeadlineSeconds', s.progressDeadlineSeconds));
  if (s.progressDeadlineSeconds !== undefined && s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0))
    out.push(
      cause(
        'spec.progressDeadlineSeconds',
        `Invalid value: ${s.progressDeadlineSeconds}: must be greater than minReadySeconds`,
      ),
    );
  if (old) out.push(...immutableSelector(s.selector, old.spec?.selector));
  return out;
}

/**
 * maxUnavailable / maxSurge of a rolling update (Deployment or DaemonSet): each an int >= 0 or a
 * percent; not both zero. A Deployment's surge may exceed 100%, a DaemonSet's may not.
 */
function validateRollingUpdate(
  f: string,
  ru: { maxUnavailable?: IntOrString; maxSurge?: IntOrString },
  surgeCapAt100: boolean,
): StatusCause[] {
  const out = [
    ...validateIntOrPercent(`${f}.maxUnavailable`, ru.maxUnavailable, true),
    ...validateIntOrPercent(`${f}.maxSurge`, ru.maxSurge, surgeCapAt100),
  ];
  if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge))
    out.push(
      cause(
        `${f}.maxUnavailable`,
        `Invalid value: ${JSON.stringify(ru.maxUnavailable)}: may not be 0 when \`maxSurge\` is 0`,
      ),
    );
  return out;
}

export function validateReplicaSet(rs: ReplicaSet, old?: ReplicaSet): StatusCause[] {
  const s = rs.spec;
  if (!s) return [required('spec')];
  const out = [
    ...nonNegative('spec.replicas', s.replicas),
    ...nonNegative('spec.minReadySeconds', s.minReadySeconds),
    ...validateSelectorTemplate(s.selector, s.template),
  ];
  if (old) out.push(...immutableSelector(s.selector, old.spec?.selector));
  return out;
}

const UPDATE_STRATEGY_TYPES = ['OnDelete', 'RollingUpdate'];

/** spec.updateStrategy.type of a DaemonSet or StatefulSet: OnDelete or RollingUpdate (unset: defaulted). */
export function validateUpdateStrategyType(type: string | undefined): StatusCause[] {
  return type && !UPDATE_STRATEGY_TYPES.includes(type)
    ? [notSupported('spec.updateStrategy.type', type, UPDATE_STRATEGY_TYPES)]
    : [];
}

export function validateDaemonSet(ds: DaemonSet, old?: DaemonSet): StatusCause[] {
  const s = ds.spec;
  if (!s) return [required('spec')];
  const out = [
    ...nonNegative('spec.minReadySeconds', s.minReadySeconds),
    ...validateSelectorTemplate(s.selector, s.template),
  ];
  const st = s.updateStrategy ?? {};
  out.push(...validateUpdateStrategyType(st.type));
  if (st.type === 'RollingUpdate' && st.rollingUpdate)
    out.push(...validateRollingUpdate('spec.updateStrategy.rollingUpdate', st.rollingUpdate, true));
  out.push(...nonNegative('spec.revisionHistoryLimit', s.revisionHistoryLimit));
  if (old) out.push(...immutableSelector(s.selector, old.spec?.selector));
  return out;
}
