// Counting boards into groups (by state, arch or a label's value) for the overview's cards.

import type { Node } from '../../../shared/api/types.js';
import { arch, type BoardInfo } from './node-state.js';

export type GroupBy = { kind: 'state' } | { kind: 'arch' } | { kind: 'label'; key: string };

export interface Board {
  node: Node;
  name: string;
  info: BoardInfo;
}

export function groupOf(b: Board, by: GroupBy): string {
  if (by.kind === 'state') return b.info.state;
  if (by.kind === 'arch') return arch(b.node);
  return b.node.metadata.labels?.[by.key] ?? '(none)';
}

/** Counts per group, largest first. */
export function countBy(boards: Board[], by: GroupBy): [string, number][] {
  const m = new Map<string, number>();
  for (const b of boards) {
    const g = groupOf(b, by);
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}
