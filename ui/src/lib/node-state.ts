// A board's state as the overview shows it, from the Node's Ready condition (the node lifecycle
// controller's view): Ready, NotReady (the agent says so), or Unreachable (Unknown: no
// heartbeat or the connection dropped) since the condition's last transition.

import type { Node } from '../../../shared/api/types.js';

export type BoardState = 'Ready' | 'NotReady' | 'Unreachable';
export const BOARD_STATES: BoardState[] = ['Ready', 'NotReady', 'Unreachable'];

export interface BoardInfo {
  state: BoardState;
  /** When the Ready condition last changed, ms since epoch (0 when unknown). */
  since: number;
  reason: string;
}

export function boardInfo(n: Node): BoardInfo {
  const c = n.status?.conditions?.find((x) => x.type === 'Ready');
  const since = c?.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
  const state: BoardState =
    c?.status === 'True' ? 'Ready' : c?.status === 'False' ? 'NotReady' : 'Unreachable';
  return { state, since, reason: c?.reason ?? '' };
}

/** Shown in the NotReady column: NotReady covers both "says not ready" and "unreachable". */
export function isNotReady(s: BoardState): boolean {
  return s !== 'Ready';
}

export function arch(n: Node): string {
  return n.status?.nodeInfo?.architecture ?? n.metadata.labels?.['kubernetes.io/arch'] ?? 'unknown';
}
