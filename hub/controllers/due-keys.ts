// Keys due at a time, behind one timer: the work queue's delayed adds. A Timeout, its callback
// and a record per key cost ~0.27 KiB of heap each, and the node lifecycle keeps one pending per
// node (its next staleness check): ~0.5 MB at 2,000 boards (bench/hub-heap.ts snapshots). Here
// a key is a Map entry and a slot in a binary min-heap (two parallel arrays), and the one timer
// is armed for the earliest.

/** setTimeout's longest delay; a later time is reached by re-arming. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class DueKeys {
  /** Each scheduled key's due time, ms since epoch. */
  private readonly due = new Map<string, number>();
  // The heap, by due time. A key scheduled again before it fired leaves its old slot behind;
  // a slot whose time is not its key's due time any more is skipped when it comes up.
  private readonly heapAt: number[] = [];
  private readonly heapKey: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly onDue: (key: string) => void) {}

  get size(): number {
    return this.due.size;
  }

  /** When key is due, or undefined when it is not scheduled. */
  get(key: string): number | undefined {
    return this.due.get(key);
  }

  /** Schedules key at `at` (ms since epoch), replacing its earlier schedule. */
  schedule(key: string, at: number): void {
    this.due.set(key, at);
    this.push(at, key);
    if (at < this.timerAt) this.arm(at);
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.due.clear();
    this.heapAt.length = 0;
    this.heapKey.length = 0;
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.fire, Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS));
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    while (this.heapAt.length > 0 && this.heapAt[0]! <= now) {
      const at = this.heapAt[0]!;
      const key = this.heapKey[0]!;
      this.pop();
      if (this.due.get(key) !== at) continue;
      this.due.delete(key);
      this.onDue(key);
    }
    // A stale slot on top would hold the timer (and the process) for nothing.
    while (this.heapAt.length > 0 && this.due.get(this.heapKey[0]!) !== this.heapAt[0]) this.pop();
    // onDue may have scheduled (and armed) already.
    if (this.heapAt.length > 0 && this.heapAt[0]! < this.timerAt) this.arm(this.heapAt[0]!);
  };

  private push(at: number, key: string): void {
    let i = this.heapAt.length;
    this.heapAt.push(at);
    this.heapKey.push(key);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.heapAt[parent]! <= at) break;
      this.heapAt[i] = this.heapAt[parent]!;
      this.heapKey[i] = this.heapKey[parent]!;
      i = parent;
    }
    this.heapAt[i] = at;
    this.heapKey[i] = key;
  }

  private pop(): void {
    const lastAt = this.heapAt.pop()!;
    const lastKey = this.heapKey.pop()!;
    const n = this.heapAt.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const c = l + 1 < n && this.heapAt[l + 1]! < this.heapAt[l]! ? l + 1 : l;
      if (this.heapAt[c]! >= lastAt) break;
      this.heapAt[i] = this.heapAt[c]!;
      this.heapKey[i] = this.heapKey[c]!;
      i = c;
    }
    this.heapAt[i] = lastAt;
    this.heapKey[i] = lastKey;
  }
}
