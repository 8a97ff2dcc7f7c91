// One `exec` RPC on the agent: relays a running exec's output to the hub as ordered response
// chunks (base64 bytes tagged with their stream, 1 stdout / 2 stderr), the exit code in the
// last chunk, and the hub's `stdin`/`resize` requests (same call id) to the process. stdin
// chunks carry a sequence number: a QoS 1 redelivery is dropped, a gap waits for its chunk.
// stdin and resize reach the process in the order kubectl sent them: Docker applies a resize
// by a request of its own, so keys typed after one wait until it is done (else `stty size`
// typed at the first prompt could read the terminal before its first size, 0x0).

import { EXEC_STREAM_STDERR, EXEC_STREAM_STDOUT, RPC_CHUNK_CHARS } from '../shared/protocol/constants.js';
import type { RpcResponse } from '../shared/protocol/messages.js';
import { ExecInputError, StdinOrder } from './rpc-stdin.js';
import type { ExecSession } from './runtime/runtime.js';

/** Raw bytes per output chunk: base64 of this many bytes fits in RPC_CHUNK_CHARS characters. */
const CHUNK_BYTES = (RPC_CHUNK_CHARS / 4) * 3;
/** stdin chunks held for a missing one, the exec's start or a resize before them, count (then the call fails). */
export const MAX_PENDING_STDIN = 256;

/** Checks a `resize` request's params: width and height in characters, 1..65535. */
export function parseResize(p: Record<string, unknown>): { width: number; height: number } {
  const dim = (k: string): number => {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)
      throw new ExecInputError(`resize: ${k} must be an integer in 1..65535`);
    return v;
  };
  return { width: dim('width'), height: dim('height') };
}

export class ExecRelay {
  private seq = 0;
  private readonly stdin = new StdinOrder(MAX_PENDING_STDIN, (x) =>
    this.inOrder(() => {
      if (x.data) this.session.write(x.data);
      if (x.eof) this.session.closeStdin();
    }),
  );
  private finished = false;
  /** Inputs (stdin, resize) waiting for a resize before them to be done, and the last of them. */
  private waiting = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly session: ExecSession,
    private readonly send: (r: Omit<RpcResponse, 'v'>) => void,
    private readonly onFinish: () => void,
  ) {}

  /** Acknowledges the call, then relays output until the process ends. */
  start(): void {
    this.send({ seq: this.seq++, done: false });
    this.pipe(this.session.stdout, EXEC_STREAM_STDOUT);
    this.pipe(this.session.stderr, EXEC_STREAM_STDERR);
    this.session.exitCode().then(
      (exitCode) => this.finish({ exitCode }),
      (e: Error) => this.finish({ code: 500, error: e.message }),
    );
  }

  input(p: Record<string, unknown>): void {
    if (this.stdin.push(p)) return;
    this.fail(`stdin chunk ${this.stdin.expected} never arrived`);
  }

  resize(p: Record<string, unknown>): void {
    const { width, height } = parseResize(p);
    // A resize racing the exit is harmless.
    this.inOrder(() => this.session.resize(width, height).catch(() => {}));
  }

  /** The hub's client went away: detach (a shell reading stdin ends). */
  stop(): void {
    this.session.close();
  }

  /** Runs op now when nothing waits, else after the inputs before it (bounded like stdin's gaps). */
  private inOrder(op: () => void | Promise<void>): void {
    if (this.waiting > MAX_PENDING_STDIN) {
      this.fail(`a terminal resize did not finish; ${this.waiting} inputs held behind it`);
      return;
    }
    const pending = this.waiting === 0 ? op() : this.tail.then(op);
    if (!pending) return;
    this.waiting++;
    this.tail = pending
      .catch((e: Error) => this.fail(e.message))
      .finally(() => {
        this.waiting--;
      });
  }

  private fail(error: string): void {
    this.stop();
    this.finish({ code: 500, error });
  }

  private pipe(stream: NodeJS.ReadableStream, id: number): void {
    stream.on('data', (b: Buffer) => {
      if (this.finished) return;
      for (let i = 0; i < b.length; i += CHUNK_BYTES)
        this.send({
          seq: this.seq++,
          done: false,
          stream: id,
          data: b.subarray(i, i + CHUNK_BYTES).toString('base64'),
        });
    });
  }

  private finish(last: Pick<RpcResponse, 'exitCode' | 'code' | 'error'>): void {
    if (this.finished) return;
    this.finished = true;
    this.send({ seq: this.seq++, done: true, ...last });
    this.onFinish();
  }
}
