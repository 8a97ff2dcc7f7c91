// A wave's health gate, pure. It fails once failed boards reach the minimum count and exceed
// the percentage of the wave (AWS IoT Jobs' abort criteria); it passes when every board is
// healthy, failed within the threshold, or pending (offline) and no longer waited for: the
// Skip policy stops waiting timeoutSeconds after the wave started, Wait never does (abort).

import type { OfflinePolicy } from '../../../shared/api/rollout.js';
import type { BoardState } from './health.js';
import type { ResolvedGate } from './plan.js';

export type WaveCounts = Record<BoardState, number> & { boards: number };

export function emptyCounts(boards = 0): WaveCounts {
  return { boards, old: 0, pending: 0, updating: 0, healthy: 0, failed: 0 };
}

export interface OfflineRule {
  policy: OfflinePolicy;
  timeoutSeconds: number;
}

export interface GateVerdict {
  result: 'passed' | 'failed' | 'waiting';
  wakeAt?: number;
}

export function gateFailed(c: WaveCounts, g: ResolvedGate): boolean {
  return c.failed >= g.failureMinBoards && c.failed * 100 > g.failurePercent * c.boards;
}

export function evaluateGate(
  c: WaveCounts,
  g: ResolvedGate,
  offline: OfflineRule,
  waveStartMs: number,
  now: number,
): GateVerdict {
  if (gateFailed(c, g)) return { result: 'failed' };
  if (c.old > 0 || c.updating > 0) return { result: 'waiting' };
  if (c.pending === 0) return { result: 'passed' };
  if (offline.policy === 'Wait') return { result: 'waiting' };
  const until = waveStartMs + offline.timeoutSeconds * 1000;
  return until <= now ? { result: 'passed' } : { result: 'waiting', wakeAt: until };
}
