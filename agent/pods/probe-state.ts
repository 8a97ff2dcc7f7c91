// Probe settings with Kubernetes' defaults and the result state machine (kubelet's worker.go),
// pure so the thresholds are table-tested.
import type { Probe } from '../../shared/api/types.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ProbeSettings {
  /** Kubernetes default 0 s. */
  initialDelayMs: number;
  /** Kubernetes default 10 s. */
  periodMs: number;
  /** Kubernetes default 1 s. */
  timeoutMs: number;
  /** Kubernetes default 1 (and always 1 for liveness/startup). */
  successThreshold: number;
  /** Kubernetes default 3. */
  failureThreshold: number;
}

function pos(v: number | undefined, dflt: number, min: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : dflt;
}

export function probeSettings(p: Probe, kind: ProbeKind): ProbeSettings {
  return {
    initialDelayMs: pos(p.initialDelaySeconds, 0, 0) * 1000,
    periodMs: pos(p.periodSeconds, 10, 1) * 1000,
    timeoutMs: pos(p.timeoutSeconds, 1, 1) * 1000,
    successThreshold: kind === 'readiness' ? pos(p.successThreshold, 1, 1) : 1,
    failureThreshold: pos(p.failureThreshold, 3, 1),
  };
}

export interface ProbeState {
  result: ProbeResult;
  /** Last raw outcome and how many times in a row it came. */
  last?: boolean;
  run: number;
}

/** Before the first probe: not ready, alive, not yet started (kubelet's initial values). */
export function initialState(kind: ProbeKind): ProbeState {
  return { result: kind === 'readiness' ? 'failure' : kind === 'liveness' ? 'success' : 'unknown', run: 0 };
}

/** The state after one probe outcome: the result flips only after threshold outcomes in a row. */
export function nextState(s: ProbeState, ok: boolean, cfg: ProbeSettings): ProbeState {
  const run = s.last === ok ? s.run + 1 : 1;
  const threshold = ok ? cfg.successThreshold : cfg.failureThreshold;
  const result: ProbeResult = run >= threshold ? (ok ? 'success' : 'failure') : s.result;
  return { result, last: ok, run };
}
