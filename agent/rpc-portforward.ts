// One `portforward` RPC on the agent (kubectl port-forward): a TCP connection to a port of a
// pod this board runs, at the pod's address (the kubelet's runtime connects to localhost inside
// the pod's network namespace; the pod's address reaches the same listeners unless one is bound
// to 127.0.0.1 only, see docs/architecture.md). The hub's `stdin` requests carry the bytes into
// the pod (in order, rpc-stdin.ts; eof half-closes), the response chunks the bytes out (base64);
// the last chunk comes when the pod has finished sending.

import { connect, type Socket } from 'node:net';
import { RPC_CHUNK_CHARS } from '../shared/protocol/constants.js';
import type { RpcResponse } from '../shared/protocol/messages.js';
import { StdinOrder } from './rpc-stdin.js';

/** Raw bytes per output chunk: base64 of this many bytes fits in RPC_CHUNK_CHARS characters. */
const CHUNK_BYTES = (RPC_CHUNK_CHARS / 4) * 3;
/** Chunks from the hub held while waiting for a missing one, count (then the call fails). */
const MAX_PENDING_INPUT = 256;
/** How long the pod's port may take to accept, ms. */
export const PORTFORWARD_CONNECT_TIMEOUT_MS = 10_000;

/** The pod's port could not be reached (refused, no answer). */
export class PortForwardConnectError extends Error {
  override name = 'PortForwardConnectError';
}

/** Connects to host:port, rejecting with the reason in the kubelet's words. */
export function connectPodPort(host: string, port: number, pod: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, allowHalfOpen: true });
    const fail = (why: string) => {
      clearTimeout(t);
      s.destroy();
      reject(
        new PortForwardConnectError(`failed to connect to port ${port} of pod ${pod} at ${host}: ${why}`),
      );
    };
    const t = setTimeout(
      () => fail(`no answer within ${PORTFORWARD_CONNECT_TIMEOUT_MS} ms`),
      PORTFORWARD_CONNECT_TIMEOUT_MS,
    );
    s.once('error', (e) => fail(e.message));
    s.once('connect', () => {
      clearTimeout(t);
      s.removeAllListeners('error');
      resolve(s);
    });
  });
}

export class PortForwardRelay {
  private seq = 0;
  private finished = false;
  private readonly input = new StdinOrder(MAX_PENDING_INPUT, (x) => {
    if (x.data) this.socket.write(x.data);
    if (x.eof) this.socket.end();
  });

  constructor(
    private readonly socket: Socket,
    private readonly send: (r: Omit<RpcResponse, 'v'>) => void,
    private readonly onFinish: () => void,
  ) {}

  /** Acknowledges the call, then relays the pod's bytes until it has sent them all. */
  start(): void {
    this.send({ seq: this.seq++, done: false });
    this.socket.on('data', (b: Buffer) => {
      if (this.finished) return;
      for (let i = 0; i < b.length; i += CHUNK_BYTES)
        this.send({ seq: this.seq++, done: false, data: b.subarray(i, i + CHUNK_BYTES).toString('base64') });
    });
    this.socket.once('end', () => this.finish());
    this.socket.once('close', () => this.finish());
    this.socket.on('error', (e: Error) => this.finish(e.message));
  }

  /** A `stdin` request: bytes for the pod (throws ExecInputError on bad params). */
  push(p: Record<string, unknown>): void {
    if (this.input.push(p)) return;
    this.finish(`input chunk ${this.input.expected} never arrived`);
  }

  /** The hub's client went away. */
  stop(): void {
    this.finished = true;
    this.socket.destroy();
  }

  private finish(error?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.socket.destroy();
    this.send(error ? { seq: this.seq++, done: true, code: 500, error } : { seq: this.seq++, done: true });
    this.onFinish();
  }
}
