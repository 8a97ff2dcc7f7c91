// drover.io/v1alpha1 Rollout (shared/api/rollout.ts): served like a built-in kind, so
// `kubectl get rollouts`, `describe`, `-w` and `drover rollout` work; the rollout controller
// (hub/controllers/rollout/) keeps its status. Defaults for the gate and the offline policy
// live here, each with its unit.

import { fromLabelSelector, InvalidLabelSelectorObjectError } from '../../../shared/api/labels.js';
import {
  ROLLOUT_GROUP,
  ROLLOUT_VERSION,
  type Rollout,
  AGENT_TARGET,
  type RolloutGate,
  type RolloutTargetKind,
  type RolloutWave,
} from '../../../shared/api/rollout.js';
import type { StatusCause } from '../../../shared/api/types.js';
import { cause, notSupported, required } from '../meta.js';
import type { ResourceDef } from '../resource.js';
import { ALL_VERBS } from '../resource.js';
import { arr, bool, int, intOrStr, kindSchema, labelSelector, obj, str } from '../schema.js';
import { age, ageColumn, col, nameColumn } from '../table.js';
import { validateIntOrPercent } from './apps-validation.js';

/** The kinds a Rollout rolls out, and the API group version of each. */
const TARGET_API_VERSIONS: Record<RolloutTargetKind, string> = {
  DaemonSet: 'apps/v1',
  Deployment: 'apps/v1',
  Agent: AGENT_TARGET.apiVersion,
};

/** Ready without a restart this long makes an updated board healthy, s. */
export const DEFAULT_SOAK_SECONDS = 30;
/** An updated board not healthy within this has failed, s. */
export const DEFAULT_BOARD_TIMEOUT_SECONDS = 300;
/** Any failed board fails the gate (AWS IoT Jobs' abort criteria: 0% after 1 board). */
export const DEFAULT_FAILURE_PERCENT = 0;
export const DEFAULT_FAILURE_MIN_BOARDS = 1;
/** Offline boards stop holding the gate this long after their wave started, s. */
export const DEFAULT_OFFLINE_TIMEOUT_SECONDS = 600;
/** A wave updates all its boards at once unless it says otherwise. */
export const DEFAULT_MAX_IN_FLIGHT = '100%';
// maxPerMinute has no default: unset, a rollout is not paced (maxInFlight and the gates alone,
// as before it existed), so no manifest written before it slows down, and a fleet's pace is
// the owner's choice (it depends on the hub's machine and the boards' download link), as in
// AWS IoT Jobs, whose rolloutConfig is optional too.

const gateSchema = obj({
  soakSeconds: int,
  boardTimeoutSeconds: int,
  failureThreshold: obj({ percent: int, minBoards: int }),
});

const waveSchema = obj({
  name: str,
  selector: labelSelector,
  percent: int,
  count: int,
  maxInFlight: intOrStr,
  maxPerMinute: int,
  gate: gateSchema,
});

const waveStatusSchema = obj({
  name: str,
  boards: int,
  updated: int,
  healthy: int,
  failed: int,
  pending: int,
});

const conditionSchema = obj({ type: str, status: str, reason: str, message: str, lastTransitionTime: str });

/** The wave's name, or its position (wave-1, wave-2, ...). */
export function waveName(w: RolloutWave, i: number): string {
  return w.name ?? `wave-${i + 1}`;
}

function defaultGate(g: RolloutGate): void {
  g.soakSeconds ??= DEFAULT_SOAK_SECONDS;
  g.boardTimeoutSeconds ??= DEFAULT_BOARD_TIMEOUT_SECONDS;
  g.failureThreshold ??= {};
  g.failureThreshold.percent ??= DEFAULT_FAILURE_PERCENT;
  g.failureThreshold.minBoards ??= DEFAULT_FAILURE_MIN_BOARDS;
}

function validateGate(path: string, g: RolloutGate | undefined): StatusCause[] {
  if (!g) return [];
  const out: StatusCause[] = [];
  const nonNeg = (f: string, v: number | undefined) => {
    if (v !== undefined && v < 0) out.push(cause(`${path}.${f}`, `Invalid value: ${v}: must be >= 0`));
  };
  nonNeg('soakSeconds', g.soakSeconds);
  if (g.boardTimeoutSeconds !== undefined && g.boardTimeoutSeconds < 1)
    out.push(cause(`${path}.boardTimeoutSeconds`, `Invalid value: ${g.boardTimeoutSeconds}: must be >= 1`));
  const p = g.failureThreshold?.percent;
  if (p !== undefined && (p < 0 || p > 100))
    out.push(cause(`${path}.failureThreshold.percent`, `Invalid value: ${p}: must be between 0 and 100`));
  const m = g.failureThreshold?.minBoards;
  if (m !== undefined && m < 1)
    out.push(cause(`${path}.failureThreshold.minBoards`, `Invalid value: ${m}: must be >= 1`));
  return out;
}

function validateMaxPerMinute(path: string, v: number | undefined): StatusCause[] {
  return v !== undefined && v < 1
    ? [cause(path, `Invalid value: ${v}: must be at least 1 board a minute`)]
    : [];
}

function validateWave(w: RolloutWave, i: number, names: Set<string>): StatusCause[] {
  const path = `spec.waves[${i}]`;
  const out: StatusCause[] = [];
  const name = waveName(w, i);
  if (names.has(name)) out.push(cause(`${path}.name`, `Duplicate value: "${name}"`, 'FieldValueDuplicate'));
  names.add(name);
  if (w.percent !== undefined && w.count !== undefined)
    out.push(cause(path, 'Invalid value: percent and count cannot be both set'));
  if (w.percent !== undefined && (w.percent < 1 || w.percent > 100))
    out.push(cause(`${path}.percent`, `Invalid value: ${w.percent}: must be between 1 and 100`));
  if (w.count !== undefined && w.count < 1)
    out.push(cause(`${path}.count`, `Invalid value: ${w.count}: must be >= 1`));
  out.push(...validateIntOrPercent(`${path}.maxInFlight`, w.maxInFlight, true));
  if (w.maxInFlight === 0 || w.maxInFlight === '0%')
    out.push(cause(`${path}.maxInFlight`, 'Invalid value: 0: must be at least 1 board'));
  out.push(...validateMaxPerMinute(`${path}.maxPerMinute`, w.maxPerMinute));
  if (w.selector)
    try {
      fromLabelSelector(w.selector);
    } catch (e) {
      if (!(e instanceof InvalidLabelSelectorObjectError)) throw e;
      out.push(cause(`${path}.selector`, `Invalid value: ${JSON.stringify(w.selector)}: ${e.message}`));
    }
  out.push(...validateGate(`${path}.gate`, w.gate));
  return out;
}

export const rollouts: ResourceDef<Rollout> = {
  group: ROLLOUT_GROUP,
  version: ROLLOUT_VERSION,
  resource: 'rollouts',
  kind: 'Rollout',
  singular: 'rollout',
  shortNames: ['ro'],
  categories: ['all'],
  namespaced: true,
  verbs: ALL_VERBS,
  subresources: ['status'],
  schema: kindSchema({
    spec: obj({
      targetRef: obj({ apiVersion: str, kind: str, name: str }),
      waves: arr(waveSchema),
      gate: gateSchema,
      maxPerMinute: int,
      offline: obj({ policy: str, timeoutSeconds: int }),
      agentVersion: str,
      paused: bool,
      abort: bool,
    }),
    status: obj({
      observedGeneration: int,
      phase: str,
      message: str,
      stableRevision: str,
      updateRevision: str,
      failedRevision: str,
      currentWave: int,
      waveStartTime: str,
      boards: int,
      updatedBoards: int,
      waves: arr(waveStatusSchema),
      conditions: arr(conditionSchema),
    }),
  }),
  defaults(ro) {
    const s = ro.spec;
    if (!s) return;
    s.targetRef ??= { kind: 'DaemonSet', name: '' };
    s.targetRef.apiVersion ??= TARGET_API_VERSIONS[s.targetRef.kind] ?? 'apps/v1';
    s.gate ??= {};
    defaultGate(s.gate);
    s.offline ??= {};
    s.offline.policy ??= 'Skip';
    s.offline.timeoutSeconds ??= DEFAULT_OFFLINE_TIMEOUT_SECONDS;
    for (const w of s.waves ?? []) w.maxInFlight ??= DEFAULT_MAX_IN_FLIGHT;
  },
  prepareCreate(ro) {
    delete ro.status;
  },
  validate(ro, old) {
    const s = ro.spec;
    if (!s) return [required('spec')];
    const out: StatusCause[] = [];
    const kind = s.targetRef?.kind;
    const apiVersion = TARGET_API_VERSIONS[kind as RolloutTargetKind];
    if (!apiVersion || (s.targetRef.apiVersion ?? apiVersion) !== apiVersion)
      out.push(
        cause(
          'spec.targetRef.kind',
          `Unsupported value: "${kind}": supported values: "DaemonSet", "Deployment" (apps/v1), "Agent" (${AGENT_TARGET.apiVersion})`,
          'FieldValueNotSupported',
        ),
      );
    if (kind === 'Agent' && !s.agentVersion)
      out.push(required('spec.agentVersion', 'the agent version to roll out'));
    if (kind !== 'Agent' && s.agentVersion !== undefined)
      out.push(cause('spec.agentVersion', 'Forbidden: only for an Agent target', 'FieldValueForbidden'));
    if (!s.targetRef?.name) out.push(required('spec.targetRef.name'));
    if (old && (old.spec.targetRef.name !== s.targetRef?.name || old.spec.targetRef.kind !== kind))
      out.push(cause('spec.targetRef', 'Invalid value: field is immutable', 'FieldValueForbidden'));
    if (!s.waves?.length) out.push(required('spec.waves', 'at least one wave'));
    const names = new Set<string>();
    (s.waves ?? []).forEach((w, i) => {
      out.push(...validateWave(w, i, names));
      // A Deployment's units are replicas, not boards: no node labels to select by.
      if (kind === 'Deployment' && w.selector)
        out.push(
          cause(
            `spec.waves[${i}].selector`,
            "Forbidden: a Deployment's waves take replicas by percent or count",
            'FieldValueForbidden',
          ),
        );
    });
    out.push(...validateGate('spec.gate', s.gate));
    out.push(...validateMaxPerMinute('spec.maxPerMinute', s.maxPerMinute));
    const policy = s.offline?.policy;
    if (policy !== undefined && policy !== 'Skip' && policy !== 'Wait')
      out.push(notSupported('spec.offline.policy', policy, ['Skip', 'Wait']));
    const t = s.offline?.timeoutSeconds;
    if (t !== undefined && t < 0)
      out.push(cause('spec.offline.timeoutSeconds', `Invalid value: ${t}: must be >= 0`));
    return out;
  },
  table: {
    columns: [
      nameColumn,
      col('Target', 'string', 'The workload rolled out'),
      col('Phase', 'string', 'Where the rollout stands'),
      col('Wave', 'string', 'The wave in progress, of all waves'),
      col('Updated', 'string', 'Boards running the new revision, of all boards'),
      col('Revision', 'string', 'Stable -> update revision', 1),
      ageColumn,
    ],
    cells: (ro, now) => {
      const st = ro.status ?? {};
      const waves = st.waves?.length ?? ro.spec.waves.length;
      const wave = Math.min((st.currentWave ?? 0) + 1, waves);
      return [
        ro.metadata.name,
        `${ro.spec.targetRef.kind.toLowerCase()}/${ro.spec.targetRef.name}`,
        ro.spec.paused && st.phase === 'Progressing' ? 'Paused' : (st.phase ?? ''),
        `${wave}/${waves}`,
        `${st.updatedBoards ?? 0}/${st.boards ?? 0}`,
        st.updateRevision && st.updateRevision !== st.stableRevision
          ? `${st.stableRevision ?? '<none>'} -> ${st.updateRevision}`
          : (st.stableRevision ?? '<none>'),
        age(ro.metadata.creationTimestamp, now),
      ];
    },
  },
};
