// The hub's `stdin` requests of one call, back in order: each carries a sequence number; a QoS 1
// redelivery is dropped, a gap waits for its chunk (bounded), then chunks are delivered in
// order. Shared by exec (rpc-exec.ts) and port-forward (rpc-portforward.ts).

/** Bad `stdin` (or `resize`) parameters from the hub. */
export class ExecInputError extends Error {
  override name = 'ExecInputError';
}

export interface StdinChunk {
  seq: number;
  data?: Buffer;
  eof: boolean;
}

/** Checks a `stdin` request's params: integer seq >= 0, base64 data, boolean eof. */
export function parseStdin(p: Record<string, unknown>): StdinChunk {
  if (typeof p.seq !== 'number' || !Number.isInteger(p.seq) || p.seq < 0)
    throw new ExecInputError('stdin: seq must be an integer >= 0');
  if (p.data !== undefined && (typeof p.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(p.data)))
    throw new ExecInputError('stdin: data must be base64');
  if (p.eof !== undefined && typeof p.eof !== 'boolean')
    throw new ExecInputError('stdin: eof must be a boolean');
  return {
    seq: p.seq,
    ...(p.data ? { data: Buffer.from(p.data, 'base64') } : {}),
    eof: p.eof === true,
  };
}

export class StdinOrder {
  private next = 0;
  private readonly pending = new Map<number, StdinChunk>();

  /** @param maxPending chunks held while waiting for a missing one. */
  constructor(
    private readonly maxPending: number,
    private readonly deliver: (c: StdinChunk) => void,
  ) {}

  /** The next chunk expected (the missing one when push returns false). */
  get expected(): number {
    return this.next;
  }

  /** Takes a request's params (throws ExecInputError); false when too many wait for a gap. */
  push(p: Record<string, unknown>): boolean {
    const c = parseStdin(p);
    if (c.seq < this.next) return true; // redelivered
    this.pending.set(c.seq, c);
    if (this.pending.size > this.maxPending) return false;
    for (let x = this.pending.get(this.next); x; x = this.pending.get(this.next)) {
      this.pending.delete(this.next++);
      this.deliver(x);
    }
    return true;
  }
}
