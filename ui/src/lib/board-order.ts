// The overview's boards in display order (not-ready first, then by name) with their counts,
// derived in O(n) per change without a comparison sort: names are sorted only when boards come
// or go (the informer's membership counter), and each derive walks them once, dropping each
// board into its state's bucket. At 10,000 boards a burst of status changes (the node lifecycle
// marking them all Unknown) then costs a few ms per derive instead of a sort plus a rebuild,
// and leaves the frames to scrolling (issue #12: p99 frame <= 50 ms).

import type { Node } from '../../../shared/api/types.js';
import type { Board } from './groups.js';
import { arch, BOARD_STATES, type BoardState, boardInfo } from './node-state.js';

/** Display order of states: not-ready boards first, they are what an operator looks for. */
const STATE_ORDER: BoardState[] = ['Unreachable', 'NotReady', 'Ready'];

/** Derived per Node object: an unchanged board (same object from the informer) costs nothing. */
const derived = new WeakMap<Node, Board>();
export function boardOf(n: Node): Board {
  let b = derived.get(n);
  if (!b) {
    b = { node: n, name: n.metadata.name ?? '', info: boardInfo(n) };
    derived.set(n, b);
  }
  return b;
}

export interface DerivedBoards {
  boards: Board[];
  byState: Map<BoardState, number>;
  /** Boards per arch, largest first. */
  byArch: [string, number][];
  /** Label keys on any board, sorted. */
  labelKeys: string[];
}

/** The source: an informer's objects by key and its membership counter. */
export interface BoardSource {
  items: Map<string, Node>;
  membership: number;
}

export class BoardOrder {
  private source?: BoardSource;
  private membership = -1;
  /** Informer keys in name order (plain code-unit order: localeCompare is ~10x slower). */
  private keys: string[] = [];

  derive(src: BoardSource): DerivedBoards {
    if (src !== this.source || src.membership !== this.membership) {
      this.source = src;
      this.membership = src.membership;
      this.keys = [...src.items.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }
    const buckets = new Map<BoardState, Board[]>(STATE_ORDER.map((s) => [s, []]));
    const archs = new Map<string, number>();
    const labels = new Set<string>();
    for (const k of this.keys) {
      const n = src.items.get(k);
      if (!n) continue;
      const b = boardOf(n);
      buckets.get(b.info.state)?.push(b);
      const a = arch(n);
      archs.set(a, (archs.get(a) ?? 0) + 1);
      for (const l in n.metadata.labels) labels.add(l);
    }
    const boards: Board[] = [];
    for (const s of STATE_ORDER) for (const b of buckets.get(s) ?? []) boards.push(b);
    return {
      boards,
      byState: new Map(BOARD_STATES.map((s) => [s, buckets.get(s)?.length ?? 0])),
      byArch: [...archs].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)),
      labelKeys: [...labels].sort(),
    };
  }
}
